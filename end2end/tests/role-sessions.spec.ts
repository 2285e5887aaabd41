// Several role sessions at once, one per tab; the role catalog with search and favourites; a
// deep link that lands on a bucket folder in the new session.
import { expect, DEMO, IN_ROLE_SESSION, confirmWithMfa, enrolAuthenticator, hydrated, inTab, signIn, testWithOwnServer } from "./support/fixtures";
import type { Page } from "@playwright/test";
import type * as OTPAuth from "otpauth";

// alice enrols a device and fills her role sessions: this file gets a server of its own.
const test = testWithOwnServer();

const PRODUCTION = "/switchrole?account=123456789012&roleName=UpdateAPP";
const STAGING = "/switchrole?account=staging&roleName=UpdateAPP";
const banner = (page: Page) => page.getByRole("region", { name: "Session" });

async function switchWithForm(page: Page, link: string) {
  await page.goto(link);
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role", exact: true }).click();
  await expect(page).toHaveURL(IN_ROLE_SESSION);
}

async function expectBucket(page: Page, bucket: string, allowed: boolean) {
  await page.goto(inTab(page, `/s3/buckets/${bucket}`));
  if (allowed) {
    await expect(page.locator("table.objects")).toBeVisible();
  } else {
    await expect(page.getByRole("alert").filter({ hasText: "Access denied" })).toBeVisible();
    await expect(page.locator("table.objects")).toHaveCount(0);
  }
}

/** The code of the first 30 s step after `lastStep` (waiting for it if need be). */
async function freshCode(totp: OTPAuth.TOTP, lastStep: number): Promise<string> {
  while (Math.floor(Date.now() / 30_000) <= lastStep) {
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return totp.generate();
}

test("alice works in production and staging side by side, finds roles in the catalog and lands where a link says", async ({ page, context }) => {
  test.setTimeout(240_000);
  const bodies: Promise<string>[] = [];
  context.on("response", (response) => bodies.push(response.text().catch(() => "")));

  await signIn(page, DEMO.alice);
  const totp = await enrolAuthenticator(page, "alice-phone");
  const lastStep = Math.floor(Date.now() / 30_000) + 1;

  // Tab 1: production. The trust policy wants MFA: one step-up, then the tab is in the role.
  await page.goto(PRODUCTION);
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role", exact: true }).click();
  // The code of `lastStep` exactly: the sign-in below waits for a later, unused one.
  await confirmWithMfa(page, totp, lastStep);
  await expect(page).toHaveURL(IN_ROLE_SESSION);
  await expect(banner(page)).toContainText("Production app");
  const productionHome = new URL(page.url()).pathname;

  // Tab 2, same browser: staging's role of the same name.
  const second = await context.newPage();
  await switchWithForm(second, STAGING);
  await expect(banner(second)).toContainText("Staging app");
  await expect(banner(second)).toContainText("4444-5555-6666");
  expect(new URL(second.url()).pathname).not.toBe(productionHome);

  // Each tab works in its own role only, also after a reload.
  await expectBucket(page, "productionapp", true);
  await expectBucket(page, "stagingapp", false);
  await expectBucket(second, "stagingapp", true);
  await expectBucket(second, "productionapp", false);
  await page.reload();
  await expect(banner(page)).toContainText("Production app");
  await second.goto(inTab(second, "/"));
  await second.reload();
  await expect(banner(second)).toContainText("Staging app");
  await expect(second.getByRole("button", { name: /^Staging app ?, signed in as alice/ })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/sessions-tab-production.png", fullPage: true });
  await second.screenshot({ path: "test-results/screens/sessions-tab-staging.png", fullPage: true });

  // The account menu lists every role session.
  await hydrated(page);
  await page.locator("#account-menu-button").click();
  await expect(page.getByRole("menuitem", { name: "Use Production app (UpdateAPP in production)" })).toBeVisible();
  await expect(page.getByRole("menuitem", { name: "Use Staging app (UpdateAPP in staging)" })).toBeVisible();
  await expect(page.getByRole("menuitem", { name: "End all role sessions" })).toBeVisible();
  await page.keyboard.press("Escape");

  // Switch back in tab 2 ends only its session: tab 1 goes on working.
  await hydrated(second);
  await banner(second).getByRole("button", { name: "Switch back" }).click();
  await expect(second).toHaveURL(/\/$/);
  await expect(banner(second)).toHaveCount(0);
  await expectBucket(page, "productionapp", true);

  // The catalog: both UpdateAPPs, found by account ID and alias; favourites stored per user.
  await second.goto("/switchrole");
  await hydrated(second);
  const catalog = second.getByRole("region", { name: "Roles you can switch to" });
  await expect(catalog.getByRole("listitem")).toHaveCount(2);
  await catalog.getByLabel("Search roles").fill("4444-5555");
  await expect(catalog.getByRole("listitem")).toHaveCount(1);
  await expect(catalog.getByRole("listitem")).toContainText("Staging app");
  await catalog.getByLabel("Search roles").fill("staging");
  await expect(catalog.getByRole("listitem")).toHaveCount(1);
  const favourite = catalog.getByRole("button", { name: "Favourite: Staging app (UpdateAPP in staging)" });
  await expect(favourite).toHaveAttribute("aria-pressed", "false");
  await favourite.click();
  await expect(favourite).toHaveAttribute("aria-pressed", "true");
  await second.screenshot({ path: "test-results/screens/sessions-catalog-search.png", fullPage: true });
  await second.close();

  // Up to five sessions: four more with one click each from the catalog...
  for (let i = 0; i < 4; i++) {
    await page.goto("/switchrole");
    await hydrated(page);
    await page.getByRole("button", { name: "Switch to Production app (UpdateAPP in production)" }).first().click();
    await expect(page).toHaveURL(IN_ROLE_SESSION);
  }
  await hydrated(page);
  await page.locator("#account-menu-button").click();
  await expect(page.getByRole("menuitem", { name: /^Use / })).toHaveCount(5);
  await page.screenshot({ path: "test-results/screens/sessions-menu.png" });
  await page.keyboard.press("Escape");

  // ...and the sixth asks which one to replace (the oldest by default). A deep link lands on
  // the folder it names, in the new session.
  await page.goto(`${PRODUCTION}&redirect_uri=${encodeURIComponent("/s3/buckets/productionapp?prefix=releases/")}`);
  await hydrated(page);
  const replace = page.getByRole("group", { name: "Role session to replace" });
  await expect(replace).toContainText("All 5 role sessions are in use");
  await expect(replace.getByRole("radio", { name: /^The oldest/ })).toBeChecked();
  await page.screenshot({ path: "test-results/screens/sessions-replace.png", fullPage: true });
  await page.getByRole("button", { name: "Switch Role", exact: true }).click();
  await expect(page).toHaveURL(/\/as\/[0-9a-f]{8}\/s3\/buckets\/productionapp\?prefix=releases(\/|%2F)$/);
  await expect(banner(page)).toContainText("Production app");

  // The first tab's session was the oldest: its page says so and acts in no role.
  await page.goto(productionHome);
  await expect(banner(page)).toContainText("has ended");
  await expect(banner(page)).toContainText("replaced by a newer one");
  await page.goto(`${productionHome}/s3/buckets/productionapp`);
  await expect(page.locator("table.objects")).toHaveCount(0);

  // Favourites outlive the sign-in.
  await page.goto("/");
  await hydrated(page);
  await page.locator("#account-menu-button").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, DEMO.alice);
  await expect(page).toHaveURL(/\/mfa$/);
  await page.getByLabel("MFA code").fill(await freshCode(totp, lastStep));
  await page.getByRole("button", { name: "Submit" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/switchrole");
  await hydrated(page);
  await expect(
    page.getByRole("region", { name: "Roles you can switch to" }).getByRole("button", { name: "Favourite: Staging app (UpdateAPP in staging)" }),
  ).toHaveAttribute("aria-pressed", "true");
  await page.locator("#account-menu-button").click();
  await expect(page.getByRole("menuitem", { name: "Switch to Staging app (UpdateAPP in staging)" }).first()).toBeVisible();

  // No secret of any role session ever reached the browser.
  for (const body of await Promise.all(bodies)) {
    expect(body).not.toMatch(/secret_access_key|session_token|SecretAccessKey|SessionToken/);
  }
});

test("a tab naming a role session that is not the user's acts in no role", async ({ page }) => {
  await signIn(page, DEMO.bob);
  await page.goto("/as/0a1b2c3d/s3/buckets/productionapp");
  await expect(banner(page)).toContainText("has ended, or is not one of yours");
  await expect(page.locator("table.objects")).toHaveCount(0);
  const refused = await page.request.get("/s3/download/productionapp?key=index.html&role_session=0a1b2c3d");
  expect(refused.status()).toBe(403);
});
