// Just-in-time access as people use it: bob asks for production's UpdateAPP, admin approves
// after a step-up, bob works on productionapp under the grant until admin revokes it; a
// second request is denied with a comment bob reads; a very short grant ends by itself.
import { expect, DEMO, IN_ROLE_SESSION, confirmWithMfa, enrolAuthenticator, hydrated, inTab, signIn, testWithOwnServer } from "./support/fixtures";
import type { Browser, Page } from "@playwright/test";
import type * as OTPAuth from "otpauth";

// bob and admin enrol devices; grants may be as short as 15 s here.
const test = testWithOwnServer("127.0.0.1", { SWITCHYARD_MIN_GRANT_DURATION: "15s" });

const requestable = (page: Page) => page.getByRole("region", { name: "Roles you can request" });
const myRequests = (page: Page) => page.getByRole("region", { name: "My requests" });
const pendingRequest = (admin: Page) =>
  admin.getByRole("region", { name: /Pending requests/ }).getByRole("article", { name: /by bob: UpdateAPP in production/ });

async function requestUpdateApp(page: Page, duration: string, reason: string) {
  await page.goto("/switchrole");
  await hydrated(page);
  const region = requestable(page);
  await expect(region).toContainText("Production app (UpdateAPP in production)");
  await region.getByRole("button", { name: "Request access" }).click();
  await region.getByLabel("Reason").fill(reason);
  await region.getByLabel("Duration").selectOption({ label: duration });
  await region.getByLabel("Ticket").fill("OPS-1432");
  await region.getByRole("button", { name: "Submit request" }).click();
  await expect(page.getByRole("status").filter({ hasText: "was sent to its approvers" })).toBeVisible();
  await expect(myRequests(page)).toContainText("Pending");
}

/** A second browser for admin, with an authenticator app. */
async function adminWithDevice(browser: Browser, baseURL: string): Promise<{ admin: Page; totp: OTPAuth.TOTP }> {
  const context = await browser.newContext({ baseURL });
  const admin = await context.newPage();
  await signIn(admin, DEMO.admin);
  const totp = await enrolAuthenticator(admin, "admin-phone");
  return { admin, totp };
}

/** An authenticator app and the last 30 s step whose code was used (codes are single-use). */
type Device = { totp: OTPAuth.TOTP; lastStep: number };

/** Clicks a decision button; when the console asks for a fresh MFA (the last one is older than
 * five minutes), answers with a code not used before. */
async function decide(admin: Page, button: ReturnType<Page["getByRole"]>, device: Device) {
  await button.click();
  const dialog = admin.getByRole("dialog", { name: "Confirm with MFA" });
  const asked = await dialog.waitFor({ timeout: 3_000 }).then(() => true, () => false);
  if (!asked) return;
  while (Math.floor(Date.now() / 30_000) <= device.lastStep) {
    await new Promise((r) => setTimeout(r, 1_000));
  }
  device.lastStep = Math.floor(Date.now() / 30_000);
  await confirmWithMfa(admin, device.totp, device.lastStep);
}

test("bob requests UpdateAPP, admin approves with MFA, bob works under the grant until it is revoked", async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  // bob is refused the role: his group has no permission for it.
  await signIn(page, DEMO.bob);
  await page.goto("/switchrole?account=123456789012&roleName=UpdateAPP");
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "not allowed to switch" })).toBeVisible();

  // He asks for it for one hour, with a reason and a ticket.
  await requestUpdateApp(page, "1 hour", "Hotfix 1.4.3: basket totals are rounded wrongly");
  await page.screenshot({ path: "test-results/screens/access-request-form.png", fullPage: true });

  // admin sees one pending request in the navbar and approves it after a step-up.
  const { admin, totp: adminTotp } = await adminWithDevice(browser, baseURL!);
  await admin.goto("/");
  await hydrated(admin);
  const navLink = admin.getByRole("link", { name: /Access requests/ });
  await expect(navLink).toContainText("1");
  await navLink.click();
  await hydrated(admin);
  const card = pendingRequest(admin);
  await expect(card).toContainText("Hotfix 1.4.3");
  await expect(card).toContainText("OPS-1432");
  await expect(card).toContainText("1 hour");
  await admin.screenshot({ path: "test-results/screens/access-requests-approver.png", fullPage: true });
  await card.getByLabel("Comment").fill("Go ahead");
  await card.getByRole("button", { name: "Approve" }).click();
  await confirmWithMfa(admin, adminTotp);
  const adminDevice: Device = { totp: adminTotp, lastStep: Math.floor(Date.now() / 30_000) + 1 };
  await expect(admin.getByRole("status").filter({ hasText: "Approved until" })).toBeVisible();
  const grants = admin.getByRole("region", { name: "Active grants" });
  await expect(grants.getByRole("article", { name: /by bob/ })).toBeVisible();

  // bob's request is approved; the role's trust policy still wants MFA, so he enrols a
  // device, then switches from the catalog.
  await page.goto("/switchrole");
  await hydrated(page);
  await expect(myRequests(page)).toContainText("Approved until");
  await expect(requestable(page)).toHaveCount(0);
  const bobTotp = await enrolAuthenticator(page, "bob-phone");
  await page.goto("/switchrole");
  await hydrated(page);
  const catalog = page.getByRole("region", { name: "Roles you can switch to" });
  await catalog.getByRole("button", { name: "Switch to Production app (UpdateAPP in production)" }).click();
  // The one-click switch needs a fresh MFA: the page says so and the form confirms with it.
  await expect(page.getByRole("alert").filter({ hasText: "needs a fresh multi-factor authentication" })).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role", exact: true }).click();
  await confirmWithMfa(page, bobTotp);
  await expect(page).toHaveURL(IN_ROLE_SESSION);
  await expect(page.getByRole("region", { name: "Session" })).toContainText("Production app");
  await page.goto(inTab(page, "/s3/buckets/productionapp"));
  await expect(page.locator("table.objects")).toContainText("index.html");
  await page.screenshot({ path: "test-results/screens/access-grant-bob-in-role.png", fullPage: true });

  // admin revokes the grant; bob's next object action is refused.
  await admin.reload();
  await hydrated(admin);
  const grant = admin.getByRole("region", { name: "Active grants" }).getByRole("article", { name: /by bob/ });
  await grant.getByLabel("Comment").fill("Hotfix shipped");
  await decide(admin, grant.getByRole("button", { name: "Revoke" }), adminDevice);
  await expect(admin.getByRole("status").filter({ hasText: "was revoked" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("alert").filter({ hasText: "Your role session has ended" })).toBeVisible();
  await expect(page.locator("table.objects")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Session" })).toContainText("revoked by an approver");

  // A second request is denied with a comment that bob reads.
  await page.goto("/switchrole");
  await requestUpdateApp(page, "30 minutes", "One more check");
  await admin.goto("/access-requests");
  await hydrated(admin);
  const second = pendingRequest(admin);
  await second.getByLabel("Comment").fill("Not during the release freeze");
  await decide(admin, second.getByRole("button", { name: "Deny" }), adminDevice);
  await expect(admin.getByRole("status").filter({ hasText: "was denied" })).toBeVisible();
  await page.goto("/switchrole");
  await hydrated(page);
  const denied = myRequests(page).getByRole("listitem").filter({ hasText: "Denied" }).first();
  await expect(denied).toContainText("Not during the release freeze");
  await expect(denied).toContainText("admin");

  // The audit trail has every step, filterable by action.
  await admin.goto("/audit?action=AccessGrantRevoked");
  await expect(admin.locator(".audit-table tbody tr")).toHaveCount(1);
  await admin.goto("/audit?action=SwitchRole&user=bob&decision=Allowed");
  const switched = admin.locator(".audit-table tbody tr").first();
  await switched.locator("summary").click();
  await expect(switched.locator(".detail-json")).toContainText("access_grant");

  // A very short grant ends by itself: bob's request shows it, and the trail records it.
  await requestUpdateApp(page, "15 seconds", "A quick look");
  await admin.goto("/access-requests");
  await hydrated(admin);
  const quick = pendingRequest(admin);
  await expect(quick).toContainText("15 seconds");
  await decide(admin, quick.getByRole("button", { name: "Approve" }), adminDevice);
  await expect(admin.getByRole("status").filter({ hasText: "Approved until" })).toBeVisible();
  await page.goto("/switchrole");
  await expect(myRequests(page).getByRole("listitem").first()).toContainText("Approved until");
  await page.waitForTimeout(16_000);
  await page.reload();
  await expect(myRequests(page).getByRole("listitem").first()).toContainText("Expired");
  await expect(async () => {
    await admin.goto("/audit?action=AccessGrantExpired");
    await expect(admin.locator(".audit-table tbody tr")).toHaveCount(1);
  }).toPass({ timeout: 20_000 });
});
