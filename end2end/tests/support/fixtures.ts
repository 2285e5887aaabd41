// Shared fixtures: one server per worker, the page's base URL pointing at it, and a record
// of browser console errors that fails a test which produced any.
import { test as base, expect, Page } from "@playwright/test";
import * as OTPAuth from "otpauth";
import { SwitchyardServer } from "./server";

type WorkerFixtures = { server: SwitchyardServer };
type TestFixtures = { consoleErrors: string[] };

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    async ({}, use) => {
      const server = await SwitchyardServer.start();
      await use(server);
      await server.dispose();
    },
    { scope: "worker" },
  ],
  baseURL: async ({ server }, use) => {
    await use(server.url);
  },
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      await use(errors);
      expect(errors, "browser console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export const DEMO = {
  account: "development",
  accountId: "111122223333",
  alice: { user: "alice", password: "alice-demo-pass" },
  bob: { user: "bob", password: "bob-demo-pass" },
  admin: { user: "admin", password: "admin-demo-pass" },
};

/** A page of a role session's tab: `/as/ID/…` (see types::role_sessions). */
export const IN_ROLE_SESSION = /\/as\/[0-9a-f]{8}(\/|$|\?)/;

/** `path` in the role session the page's tab acts in now (its URL's `/as/ID`), if any. */
export function inTab(page: Page, path: string): string {
  const tab = new URL(page.url()).pathname.match(/^\/as\/([0-9a-f]{8})/);
  if (!tab) return path;
  return path === "/" ? `/as/${tab[1]}` : `/as/${tab[1]}${path}`;
}

/** Waits until the WASM has hydrated the page (the app marks <html data-hydrated>). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

/** Signs in through the sign-in form, as a person would. */
export async function signIn(
  page: Page,
  who: { user: string; password: string },
  account = DEMO.account,
): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Account ID or alias").fill(account);
  await page.getByLabel("User name").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export function accountMenuButton(page: Page) {
  return page.getByRole("button", { name: /^alice @ development|^bob @ development|^admin @ development/ });
}

/**
 * A `test` whose file gets a server of its own, for tests that change a demo user for good
 * (enrolling MFA puts every later sign-in of that user behind it). Browse it as `localhost`
 * where WebAuthn is involved: browsers refuse IP addresses as relying party.
 */
export function testWithOwnServer(
  host: "127.0.0.1" | "localhost" = "127.0.0.1",
  env: Record<string, string> = {},
) {
  return test.extend<{}, { ownServer: SwitchyardServer }>({
    ownServer: [
      async ({}, use) => {
        const server = await SwitchyardServer.start(env);
        await use(server);
        await server.dispose();
      },
      { scope: "worker" },
    ],
    baseURL: async ({ ownServer }, use) => {
      await use(host === "localhost" ? ownServer.url : ownServer.loopbackUrl);
    },
  });
}

/**
 * Assigns an authenticator app to the signed-in user on Security credentials, as a person
 * would (reading the secret key instead of scanning the QR code). Returns the app.
 */
export async function enrolAuthenticator(page: Page, name = "phone"): Promise<OTPAuth.TOTP> {
  await page.goto("/security-credentials");
  await hydrated(page);
  await page.getByRole("button", { name: "Assign MFA device" }).click();
  await page.getByLabel("Device name").fill(name);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Show secret key" }).click();
  const secret = ((await page.locator(".secret-key").textContent()) ?? "").trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
  // The previous and the current code: the next one stays unused for a later MFA prompt.
  const step = Math.floor(Date.now() / 30_000);
  await page.getByLabel("MFA code 1").fill(totp.generate({ timestamp: (step - 1) * 30_000 }));
  await page.getByLabel("MFA code 2").fill(totp.generate({ timestamp: step * 30_000 }));
  await page.getByRole("button", { name: "Add MFA" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your authenticator app was assigned." })).toBeVisible();
  return totp;
}

/** Answers the "Confirm with MFA" step-up dialog with the code of `step` (default: the step
 * after the current one, which enrolment leaves unused and the server still accepts). */
export async function confirmWithMfa(page: Page, totp: OTPAuth.TOTP, step = Math.floor(Date.now() / 30_000) + 1): Promise<void> {
  const dialog = page.getByRole("dialog", { name: "Confirm with MFA" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("MFA code").fill(totp.generate({ timestamp: step * 30_000 }));
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog).toHaveCount(0);
}
