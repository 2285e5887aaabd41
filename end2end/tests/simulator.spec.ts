// The administrators' directory, policy simulator and "Explain" in the audit trail: what admin
// reads and asks, and alice and bob refused every page and server function of them.
import { expect, DEMO, hydrated, signIn, test } from "./support/fixtures";

const PROD = "arn:aws:iam::123456789012:role/UpdateAPP";
const BOB = "arn:aws:iam::111122223333:user/bob";

test("admin reads the directory, searches it, and copies ARNs", async ({ page }) => {
  await signIn(page, DEMO.admin);
  await page.getByRole("link", { name: "Directory", exact: true }).click();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: /^Accounts \(\d+\)$/ })).toBeVisible();
  const role = page.getByRole("article", { name: "Role UpdateAPP in 123456789012" });
  await expect(role).toContainText("Trust policy");
  await expect(role.locator(".policy-json").first()).toContainText('"aws:MultiFactorAuthPresent"');
  await expect(role.getByRole("button", { name: `Copy ARN ${PROD}` }).first()).toBeVisible();
  await page.screenshot({ path: "test-results/screens/directory.png", fullPage: true });

  await page.getByLabel("Search names and ARNs").fill("production-logs");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/directory\?q=production-logs/);
  await expect(page.getByRole("heading", { name: "Buckets (1)" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /^Users \(/ })).toHaveCount(0);
});

test("the simulator: bob's AssumeRole of UpdateAPP is implicitly denied and nothing of his matched", async ({ page }) => {
  await signIn(page, DEMO.admin);
  await page.goto("/simulate");
  await hydrated(page);
  await page.getByLabel("Principal").fill(BOB);
  await page.getByLabel("Action").fill("sts:AssumeRole");
  await page.getByLabel("Resource ARN").fill(PROD);
  await page.getByRole("button", { name: "Simulate" }).click();
  const result = page.getByRole("region", { name: "Result" });
  await expect(result.getByRole("heading", { name: "Decision: ImplicitlyDenied" })).toBeVisible();
  await expect(result).toContainText("group Testers");
  await expect(result.locator(".statement.applied-allow, .statement.applied-deny")).toHaveCount(0);
  // The inputs live in the URL: the simulation can be shared.
  expect(new URL(page.url()).searchParams.get("principal")).toBe(BOB);

  // alice with a fresh MFA: both statements that allow it are green.
  await page.getByLabel("Principal").fill("arn:aws:iam::111122223333:user/alice");
  await page.getByLabel("MFA present").check();
  await page.getByLabel("MFA age (seconds)").fill("30");
  await page.getByRole("button", { name: "Simulate" }).click();
  await expect(result.getByRole("heading", { name: "Decision: Allowed" })).toBeVisible();
  await expect(result.locator(".statement.applied-allow")).toHaveCount(2);
  await page.screenshot({ path: "test-results/screens/simulator-allowed.png", fullPage: true });
});

test("Explain on bob's denied switch opens the simulator with the same result", async ({ page, browser, baseURL }) => {
  await signIn(page, DEMO.bob);
  await page.goto("/switchrole?account=123456789012&roleName=UpdateAPP");
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "not allowed to switch" })).toBeVisible();

  const context = await browser.newContext({ baseURL });
  const admin = await context.newPage();
  await signIn(admin, DEMO.admin);
  await admin.goto("/audit?action=SwitchRole&user=bob&decision=Denied");
  await hydrated(admin);
  await admin.getByRole("link", { name: /^Explain event \d+$/ }).first().click();
  await expect(admin).toHaveURL(/\/simulate\?event=\d+/);
  await expect(admin.getByRole("region", { name: "Audit event" })).toContainText("Today's policies decide the same.");
  await expect(admin.getByLabel("Principal")).toHaveValue(BOB);
  await expect(admin.getByLabel("Resource ARN")).toHaveValue(PROD);
  const result = admin.getByRole("region", { name: "Result" });
  await expect(result.getByRole("heading", { name: "Decision: ImplicitlyDenied" })).toBeVisible();
  await expect(result.locator(".statement.applied-allow, .statement.applied-deny")).toHaveCount(0);
  await admin.screenshot({ path: "test-results/screens/simulator-explain.png", fullPage: true });
  await context.close();
});

for (const who of [DEMO.alice, DEMO.bob]) {
  test(`${who.user} is refused the directory, the access map, the simulator and their server functions`, async ({ page, server, consoleErrors }) => {
    await signIn(page, who);
    await expect(page.getByRole("link", { name: "Directory", exact: true })).toHaveCount(0);
    for (const path of ["/directory", "/directory/access", `/simulate?principal=${encodeURIComponent(BOB)}&action=sts%3AAssumeRole&resource=${encodeURIComponent(PROD)}`]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(page.getByRole("alert").filter({ hasText: "for console administrators only" })).toBeVisible();
      await expect(page.locator(".policy-json")).toHaveCount(0);
    }
    const access = await page.request.get(`${server.url}/directory/access.csv`);
    expect(access.status()).toBe(403);
    for (const [fn, body] of [
      ["directory", "search=UpdateAPP"],
      ["simulate", `input[principal]=${encodeURIComponent(BOB)}&input[action]=sts%3AAssumeRole&input[resource]=${encodeURIComponent(PROD)}`],
      ["access_map", ""],
    ]) {
      const response = await page.request.post(`${server.url}/api/${fn}`, {
        headers: { Origin: server.url, "Content-Type": "application/x-www-form-urlencoded" },
        data: body,
      });
      expect(response.status(), fn).toBe(403);
      expect(await response.text(), fn).not.toContain("TrustDevelopmentWithMFA");
    }
    // The refused pages' 403 statuses, which the browser logs.
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes("status of 403")));
  });
}
