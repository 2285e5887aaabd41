// The administrators' access map: who can switch to UpdateAPP, and why; refused to others.
import { expect, DEMO, hydrated, signIn, test } from "./support/fixtures";

const PROD = "arn:aws:iam::123456789012:role/UpdateAPP";

test("admin sees who can switch to UpdateAPP and why; alice is refused the page", async ({ page, consoleErrors }) => {
  await signIn(page, DEMO.admin);
  await page.goto("/directory/access");
  await hydrated(page);
  await page.getByRole("combobox", { name: "Role" }).selectOption(PROD);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByRole("heading", { name: "Who can switch to UpdateAPP in production?" })).toBeVisible();
  const table = page.getByRole("table", { name: "Who can switch to UpdateAPP in production?" });
  const alice = table.getByRole("row", { name: /alice/ });
  await expect(alice.getByRole("cell")).toHaveText(["Needs MFA"]);
  await expect(table.getByRole("row", { name: /bob/ }).getByRole("cell")).toHaveText(["Cannot switch"]);
  await alice.getByRole("link", { name: "Needs MFA" }).click();
  const explanation = page.getByRole("region", { name: "Explanation" });
  await expect(explanation).toContainText("group Developers");
  await expect(explanation).toContainText("AllowSwitchToUpdateAPP");
  await expect(explanation).toContainText("aws:MultiFactorAuthPresent");
  await page.screenshot({ path: "test-results/screens/access-map.png", fullPage: true });

  await page.context().clearCookies();
  await signIn(page, DEMO.alice);
  await page.goto("/directory/access");
  await expect(page.getByRole("alert").filter({ hasText: "for console administrators only" })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
  // The refused page's 403 status, which the browser logs.
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes("status of 403")));
});
