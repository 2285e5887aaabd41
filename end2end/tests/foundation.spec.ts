// The foundation: sign-in, the account menu, sign-out, sessions, and the console chrome.
import { test, expect, DEMO, hydrated, signIn, accountMenuButton } from "./support/fixtures";
import { SwitchyardServer } from "./support/server";

test.describe("signing in and out", () => {
  test("alice signs in, sees her identity in the account menu, and signs out", async ({ page }) => {
    await page.goto("/");
    // Signed-out visitors are sent to the sign-in page.
    await expect(page).toHaveURL(/\/signin$/);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await expect(page.getByText("demo organisation", { exact: true })).toBeVisible();
    await hydrated(page);
    await page.screenshot({ path: "test-results/screens/sign-in.png", fullPage: true });

    await signIn(page, DEMO.alice);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    const menuButton = page.getByRole("button", { name: /^alice @ development/ });
    await expect(menuButton).toBeVisible();
    await expect(page.getByRole("heading", { name: "Welcome, alice" })).toBeVisible();
    await page.screenshot({ path: "test-results/screens/home.png", fullPage: true });

    await menuButton.click();
    const menu = page.getByRole("menu");
    await expect(menu).toBeVisible();
    await expect(page.locator(".menu-user")).toHaveText("alice");
    await expect(page.locator(".account-id")).toHaveText("1111-2222-3333");
    await expect(page.getByRole("button", { name: "Copy account ID" })).toBeVisible();
    await expect(menu.getByRole("menuitem")).toHaveText(["Switch role", "Security credentials", "Sign out"]);
    await page.screenshot({ path: "test-results/screens/account-menu.png" });

    await menu.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin\?signed_out=1$/);
    await expect(page.getByRole("status").filter({ hasText: "You have signed out." })).toBeVisible();
    // The session is gone server-side: the home page sends us back to sign in.
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin$/);
  });

  test("a wrong password and an unknown user get the same generic error", async ({ page }) => {
    await signIn(page, { user: "alice", password: "not-her-password" });
    const alert = page.getByRole("alert");
    await expect(alert).toHaveText("Your authentication information is incorrect. Please try again.");
    // The typed account and user name are kept; the password is not.
    await expect(page.getByLabel("Account ID or alias")).toHaveValue("development");
    await expect(page.getByLabel("User name")).toHaveValue("alice");
    await expect(page.getByLabel("Password")).toHaveValue("");
    await page.screenshot({ path: "test-results/screens/sign-in-error.png", fullPage: true });
    const wrongPassword = await alert.textContent();

    await signIn(page, { user: "mallory", password: "whatever" });
    await expect(page.getByRole("alert")).toHaveText(wrongPassword ?? "");
    await signIn(page, { user: "alice", password: "alice-demo-pass" }, "999999999999");
    await expect(page.getByRole("alert")).toHaveText(wrongPassword ?? "");
  });

  test("the account can be given by its 12-digit ID", async ({ page }) => {
    await signIn(page, DEMO.bob, DEMO.accountId);
    await expect(page.getByRole("button", { name: /^bob @ development/ })).toBeVisible();
  });

  test("the session cookie is HttpOnly and SameSite=Strict", async ({ page, context }) => {
    await signIn(page, DEMO.alice);
    await expect(accountMenuButton(page)).toBeVisible();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "switchyard-session");
    expect(session, JSON.stringify(cookies)).toBeTruthy();
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    expect(session?.path).toBe("/");
  });

  test("a signed-out visitor is returned to the page they asked for", async ({ page }) => {
    await page.goto("/?from=link");
    await expect(page).toHaveURL(/\/signin\?next=%2F%3Ffrom%3Dlink$/);
    await page.getByLabel("Account ID or alias").fill(DEMO.account);
    await page.getByLabel("User name").fill(DEMO.alice.user);
    await page.getByLabel("Password").fill(DEMO.alice.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/\?from=link$/);
  });
});

test.describe("the account menu", () => {
  test("works with the keyboard: Enter opens, arrows move, Escape closes", async ({ page }) => {
    await signIn(page, DEMO.alice);
    await hydrated(page);
    const button = accountMenuButton(page);
    await button.focus();
    await page.keyboard.press("Enter");
    await expect(button).toHaveAttribute("aria-expanded", "true");
    const items = page.getByRole("menuitem");
    await expect(items.nth(0)).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(items.nth(1)).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(items.nth(2)).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(items.nth(0)).toBeFocused();
    await page.keyboard.press("ArrowUp");
    await expect(items.nth(2)).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(button).toHaveAttribute("aria-expanded", "false");
    await expect(page.getByRole("menu")).toBeHidden();
    await expect(button).toBeFocused();
  });

  test("sign-out works without scripts (a plain form POST)", async ({ browser, server }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL: server.url });
    const page = await context.newPage();
    await signIn(page, DEMO.alice);
    const button = accountMenuButton(page);
    await expect(button).toBeVisible();
    await button.click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin\?signed_out=1$/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/signin$/);
    await context.close();
  });
});

test.describe("the console", () => {
  test("an unknown page is a 404 with a way home", async ({ page, consoleErrors }) => {
    await signIn(page, DEMO.alice);
    await expect(accountMenuButton(page)).toBeVisible();
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Go to the console home" })).toBeVisible();
    // The 404 response itself is logged by Chromium as a failed resource; nothing else may be.
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !e.includes("404")));
  });

  test("a cross-site form POST is refused", async ({ page, server }) => {
    await signIn(page, DEMO.alice);
    await expect(accountMenuButton(page)).toBeVisible();
    const response = await page.request.post(`${server.url}/auth/sign-out`, {
      headers: { Origin: "https://evil.example" },
    });
    expect(response.status()).toBe(403);
    // Still signed in.
    await page.reload();
    await expect(accountMenuButton(page)).toBeVisible();
  });

  test("health answers", async ({ request, server }) => {
    const response = await request.get(`${server.url}/healthz`);
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

test.describe("sessions", () => {
  test("a session survives a server restart", async ({ browser }) => {
    const server = await SwitchyardServer.start();
    try {
      const context = await browser.newContext({ baseURL: server.url });
      const page = await context.newPage();
      await signIn(page, DEMO.alice);
      await expect(accountMenuButton(page)).toBeVisible();
      await server.restart();
      expect(server.exitCode).toBeNull();
      await page.goto("/");
      await expect(page).toHaveURL(/\/$/);
      await expect(accountMenuButton(page)).toBeVisible();
      await context.close();
    } finally {
      await server.dispose();
    }
  });

  test("the server stops gracefully on SIGTERM", async () => {
    const server = await SwitchyardServer.start();
    await server.stop();
    expect(server.exitCode).toBe(0);
    await server.dispose();
  });
});

test.describe("the home page", () => {
  test("alice is told which roles her permissions let her request; bob is told he has none", async ({ page }) => {
    await signIn(page, DEMO.alice);
    const roles = page.getByRole("region", { name: "Roles you can switch to" });
    // Two roles named UpdateAPP, told apart by their accounts (production and staging).
    await expect(roles.getByText("UpdateAPP")).toHaveCount(2);
    await expect(roles.getByText("staging")).toBeVisible();
    await expect(roles.getByRole("link", { name: "Switch role" }).first()).toHaveAttribute(
      "href",
      "/switchrole?account=123456789012&roleName=UpdateAPP",
    );
    await page.goto("/signin?signed_out=1");
    await page.context().clearCookies();
    await signIn(page, DEMO.bob);
    await expect(page.getByRole("region", { name: "Roles you can switch to" })).toContainText(
      "Your permissions do not allow switching to any role",
    );
  });

  test("the WASM bundle is served compressed", async ({ request, server }) => {
    const page = await request.get(`${server.url}/signin`);
    const html = await page.text();
    const wasm = html.match(/\/pkg\/switchyard[^"']*\.wasm/)?.[0] ?? "/pkg/switchyard.wasm";
    const response = await request.get(`${server.url}${wasm}`, { headers: { "Accept-Encoding": "br" } });
    expect(response.status()).toBe(200);
    expect(response.headers()["content-encoding"]).toBe("br");
  });
});
