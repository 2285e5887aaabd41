// Time-bound roles, on a server of their own: a role whose trust policy wants an MFA at most
// 8 seconds old (the switch asks for a fresh code inline and retries), and a console that ends
// held roles after 15 seconds (the banner runs out and role actions, such as listing the
// bucket, are refused).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, DEMO, IN_ROLE_SESSION, inTab, enrolAuthenticator, hydrated, signIn, testWithOwnServer } from "./support/fixtures";

const demo = fs.readFileSync(path.resolve(__dirname, "..", "..", "iam", "demo", "directory.toml"), "utf8");
const trust = '"Condition": { "Bool": { "aws:MultiFactorAuthPresent": "true" } }';
if (!demo.includes(trust)) throw new Error("the demo trust policy changed; update this test");
const directory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-dir-")), "directory.toml");
fs.writeFileSync(
  directory,
  demo.replace(
    trust,
    '"Condition": { "Bool": { "aws:MultiFactorAuthPresent": "true" }, "NumericLessThan": { "aws:MultiFactorAuthAge": "8" } }',
  ),
);

const test = testWithOwnServer("127.0.0.1", {
  SWITCHYARD_DIRECTORY: directory,
  SWITCHYARD_ROLE_SESSION_LIMIT: "15s",
});

const LINK = "/switchrole?account=123456789012&roleName=UpdateAPP&displayName=Short%20lived&color=red";

test("a stale MFA is stepped up inline, and a short role runs out in the banner", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, DEMO.alice);
  const totp = await enrolAuthenticator(page, "alice-phone");

  // Enrolling counted as MFA; let it grow older than the trust policy accepts.
  await page.waitForTimeout(11_000);
  await page.goto(LINK);
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm with MFA" });
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: "test-results/screens/step-up.png" });
  // The code after the ones used to enrol: unused, and inside the accepted window.
  const next = (Math.floor(Date.now() / 30_000) + 1) * 30_000;
  await dialog.getByLabel("MFA code").fill(totp.generate({ timestamp: next }));
  await dialog.getByRole("button", { name: "Verify" }).click();

  // The switch is retried by itself and succeeds.
  await expect(page).toHaveURL(IN_ROLE_SESSION);
  const banner = page.getByRole("region", { name: "Session" });
  await expect(banner).toContainText("Short lived");
  await hydrated(page);
  const timer = banner.getByRole("timer");
  // At most 15 s (the console limit), not the hour the credentials last.
  await expect(timer).toHaveText(/^0:[01]\d left$/);

  // The console ends the role after 15 s: the banner says so without a reload...
  await expect(timer).toHaveText(/has ended/, { timeout: 20_000 });
  await expect(banner).toHaveClass(/ended/);
  await page.screenshot({ path: "test-results/screens/role-ended.png", fullPage: true });
  // ...and the server agrees: the role's permissions no longer apply.
  await page.reload();
  await expect(page.getByRole("alert").filter({ hasText: "The role session has ended" })).toBeVisible();
  // A role action (listing the bucket the role allows) is refused, inside the page.
  await page.goto(inTab(page, "/s3/buckets/productionapp"));
  await expect(page.getByText("Your role session has expired.")).toBeVisible();
  await expect(page.locator("table")).toHaveCount(0);
  await page.goto(inTab(page, "/"));

  // Renew needs a fresh MFA again (the trust policy wants one younger than 8 s).
  await banner.getByRole("button", { name: "Renew" }).click();
  await expect(page).toHaveURL(/\/switchrole\?renew=mfa/);
  await expect(page.getByRole("alert").filter({ hasText: "needs a fresh multi-factor authentication" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Role", exact: true })).toHaveValue("UpdateAPP");

  // Switch back ends it.
  await page.getByRole("region", { name: "Session" }).getByRole("button", { name: "Switch back" }).click();
  await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
});
