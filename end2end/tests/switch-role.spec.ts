// The Switch Role page: links only fill the form, bad input is named, refusals are generic,
// and nothing from a link runs or redirects off-site.
import { test, expect, DEMO, hydrated, signIn } from "./support/fixtures";

const LINK =
  "/switchrole?account=123456789012&roleName=UpdateAPP&displayName=Production%20app&color=green";

test.describe("a prefilled Switch Role link", () => {
  test("fills the form and switches nothing until the user clicks", async ({ page }) => {
    await signIn(page, DEMO.alice);
    await page.goto(LINK);
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Switch Role" })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "These values came from a link" })).toBeVisible();
    await expect(page.getByLabel("Account", { exact: true })).toHaveValue("123456789012");
    await expect(page.getByLabel("Role", { exact: true })).toHaveValue("UpdateAPP");
    await expect(page.getByLabel("Display Name")).toHaveValue("Production app");
    await expect(page.getByRole("radio", { name: "green" })).toBeChecked();
    await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
    await page.screenshot({ path: "test-results/screens/switch-role.png", fullPage: true });
  });

  test("without any MFA device alice is told to add one, and holds no role", async ({ page }) => {
    // alice has not proved MFA in this session; UpdateAPP's trust policy requires it, and she
    // has no device to prove it with.
    await signIn(page, DEMO.alice);
    await page.goto(LINK);
    await hydrated(page);
    await page.getByRole("button", { name: "Switch Role" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "you have no MFA device yet" });
    await expect(alert).toBeVisible();
    await expect(alert.getByRole("link", { name: "Go to Security credentials" })).toHaveAttribute("href", "/security-credentials");
    await page.goto("/");
    await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
  });

  test("bob (Testers) is refused with the same generic message", async ({ page }) => {
    await signIn(page, DEMO.bob);
    await page.goto(LINK);
    await hydrated(page);
    await page.getByRole("button", { name: "Switch Role" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "not allowed to switch to this role" })).toBeVisible();
  });

  test("an HTML payload in displayName stays text", async ({ page }) => {
    let dialogs = 0;
    page.on("dialog", async (dialog) => {
      dialogs += 1;
      await dialog.dismiss();
    });
    await signIn(page, DEMO.alice);
    const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    await page.goto(`/switchrole?account=123456789012&roleName=UpdateAPP&displayName=${encodeURIComponent(payload)}`);
    await hydrated(page);
    await expect(page.getByLabel("Display Name")).toHaveValue(payload);
    expect(await page.locator("img[src=x]").count()).toBe(0);
    expect(dialogs).toBe(0);
  });

  test("an off-site redirect_uri is dropped, and the page says so", async ({ page }) => {
    await signIn(page, DEMO.alice);
    await page.goto(`${LINK}&redirect_uri=${encodeURIComponent("https://evil.example/")}`);
    await expect(page.getByRole("status").filter({ hasText: "That part was ignored" })).toBeVisible();
    await expect(page.locator('input[name="redirect_uri"]')).toHaveValue("");
  });

  test("invalid fields are marked", async ({ page }) => {
    await signIn(page, DEMO.alice);
    await page.goto("/switchrole?account=12345&roleName=UpdateAPP&color=notacolour");
    await hydrated(page);
    await expect(page.locator("#switch-color-error")).toContainText("not one of the palette's colours");
    await page.getByRole("button", { name: "Switch Role" }).click();
    await expect(page.getByLabel("Account", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#switch-account-error")).toContainText("12-digit account ID");
  });

  test("a cross-origin POST to the switch endpoint is refused", async ({ page, server }) => {
    await signIn(page, DEMO.alice);
    const response = await page.request.post(`${server.url}/api/switch_role`, {
      headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      data: "account=123456789012&role=UpdateAPP&display_name=&color=&redirect_uri=",
    });
    expect(response.status()).toBe(403);
  });
});
