// Working with roles over time: the role history (account menu and Switch Role page), what a
// held role may do on the home page, and the administrators' audit trail and link builder.
import { expect, DEMO, confirmWithMfa, enrolAuthenticator, hydrated, signIn, testWithOwnServer } from "./support/fixtures";
import type { Page } from "@playwright/test";

// alice enrols a device here: this file gets a server of its own.
const test = testWithOwnServer();

const LINK = "/switchrole?account=123456789012&roleName=UpdateAPP&displayName=Prod%20app&color=green";

async function signOut(page: Page) {
  await page.goto("/");
  await hydrated(page);
  await page.locator("#account-menu-button").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
}

test("roles over time: refused bob, alice's history and permissions, the audit trail and the link builder", async ({ page }) => {
  test.setTimeout(120_000);

  // bob follows the same link and is refused with the generic message.
  await signIn(page, DEMO.bob);
  await page.goto(LINK);
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "you are not allowed to switch to this role" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
  await signOut(page);

  // alice: no history yet; she enrols an authenticator app and switches from the link.
  await signIn(page, DEMO.alice);
  await page.goto("/switchrole");
  await expect(page.getByText("Roles you switch to appear here")).toBeVisible();
  const totp = await enrolAuthenticator(page, "alice-phone");
  await page.goto(LINK);
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role" }).click();
  await confirmWithMfa(page, totp);
  await expect(page.getByRole("region", { name: "Session" })).toContainText("Prod app");

  // Home, in the role: what UpdateAPP may do, in words, with the bucket it names.
  const permissions = page.getByRole("region", { name: "What UpdateAPP may do" });
  await expect(permissions).toContainText("read and download objects (s3:GetObject)");
  await expect(permissions).toContainText("every object in productionapp");
  await expect(permissions.getByRole("link", { name: "Open productionapp" })).toHaveAttribute("href", /^\/as\/[0-9a-f]{8}\/s3\/buckets\/productionapp$/);
  await page.screenshot({ path: "test-results/screens/home-in-role.png", fullPage: true });

  // Switch back, then one click in the account menu's role history switches again.
  await page.getByRole("region", { name: "Session" }).getByRole("button", { name: "Switch back" }).click();
  await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
  await hydrated(page);
  await page.locator("#account-menu-button").click();
  const again = page.getByRole("menuitem", { name: "Switch to Prod app (UpdateAPP in production)" });
  await expect(again).toBeVisible();
  await page.screenshot({ path: "test-results/screens/menu-history.png" });
  await again.click();
  await expect(page.getByRole("region", { name: "Session" })).toContainText("Prod app");

  // The Switch Role page lists the whole history, with a filter.
  await page.goto("/switchrole");
  await hydrated(page);
  const history = page.getByRole("region", { name: "Role history" });
  await expect(history.getByText("2 switches")).toBeVisible();
  await history.getByLabel("Filter role history").fill("staging");
  await expect(history.getByText("0 of 1 roles match the filter")).toBeVisible();
  await history.getByLabel("Filter role history").fill("prod");
  await expect(history.getByRole("button", { name: "Switch to Prod app (UpdateAPP in production)" })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/switch-role-history.png", fullPage: true });
  await signOut(page);

  // admin: the audit trail holds bob's refusal with the reason, and exports it.
  await signIn(page, DEMO.admin);
  await page.goto("/audit");
  await hydrated(page);
  await page.getByLabel("User").fill("bob");
  await page.getByLabel("Decision").selectOption("Denied");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/decision=Denied/);
  const rows = page.locator(".audit-table tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("SwitchRole");
  await rows.first().locator("summary").click();
  await expect(rows.first().locator(".detail-json")).toContainText("ImplicitlyDenied");
  await page.screenshot({ path: "test-results/screens/audit.png", fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download CSV" }).click(),
  ]);
  const csv = await (await download.createReadStream()).toArray();
  const text = Buffer.concat(csv).toString();
  expect(text.split("\r\n")[0]).toBe("id,at,actor,account_id,action,decision,client_ip,detail");
  expect(text).toContain("user/bob,111122223333,SwitchRole,Denied");
  expect(text).not.toContain("user/alice");

  // admin builds a link; what is typed is encoded into it, and the email carries it.
  await page.goto("/switchrole/links");
  await hydrated(page);
  await expect(page.getByText("A link grants nothing by itself")).toBeVisible();
  await page.getByLabel("Display Name").fill("Prod <b>app</b>");
  await page.getByText("orange", { exact: true }).click();
  const link = page.locator("#switch-link");
  await expect(link).toHaveText(/\/switchrole\?account=123456789012&roleName=UpdateAPP&displayName=Prod%20%3Cb%3Eapp%3C%2Fb%3E&color=orange$/);
  await expect(page.getByRole("link", { name: "Email this link" })).toHaveAttribute("href", /^mailto:\?subject=Switch%20role%20in%20Switchyard/);
  await page.screenshot({ path: "test-results/screens/link-builder.png", fullPage: true });
  // The link opens the form filled in, and nothing more.
  const built = (await link.textContent()) ?? "";
  await page.goto(built.replace(/^https?:\/\/[^/]+/, ""));
  await expect(page.getByLabel("Display Name")).toHaveValue("Prod <b>app</b>");
  await expect(page.getByText("These values came from a link")).toBeVisible();
  await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
});
