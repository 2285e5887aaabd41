// Multi-factor authentication: alice enrols an authenticator app and a security key (Chromium's
// virtual authenticator), signs in with each, a replayed code is refused, and she removes a
// device. Runs against its own server, browsed as http://localhost:PORT (WebAuthn refuses IP
// addresses as relying party).
import * as OTPAuth from "otpauth";
import type { Page } from "@playwright/test";
import { expect, DEMO, confirmWithMfa, hydrated, signIn, testWithOwnServer } from "./support/fixtures";

const test = testWithOwnServer("localhost");

const PERIOD = 30;
const stepNow = () => Math.floor(Date.now() / 1000 / PERIOD);

/** A code the server has not accepted yet: a step above `lastStep`, inside the server's
 * window (current step ±1). Waits for the clock when needed (at most one step). */
async function freshCode(totp: OTPAuth.TOTP, lastStep: number): Promise<{ code: string; step: number }> {
  for (;;) {
    const current = stepNow();
    const step = Math.max(lastStep + 1, current);
    if (step <= current + 1) {
      return { code: totp.generate({ timestamp: step * PERIOD * 1000 }), step };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function signOut(page: Page) {
  // Wait for hydration: a menu opened just before it would be reset as it happens.
  await hydrated(page);
  await page.getByRole("button", { name: /^alice @ development/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin\?signed_out=1$/);
}

async function passwordStep(page: Page) {
  await signIn(page, DEMO.alice);
  await expect(page).toHaveURL(/\/mfa$/);
  await expect(page.getByRole("heading", { name: "Multi-factor authentication" })).toBeVisible();
}

test("alice enrols an authenticator app and a security key, signs in with each, and removes one", async ({ page, consoleErrors }) => {
  test.setTimeout(180_000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "usb",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });

  // --- enrol an authenticator app -------------------------------------------------------
  await signIn(page, DEMO.alice);
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole("button", { name: /^alice @ development/ }).click();
  await page.getByRole("menuitem", { name: "Security credentials" }).click();
  await expect(page).toHaveURL(/\/security-credentials$/);
  await expect(page.getByRole("heading", { name: "Security credentials", level: 1 })).toBeVisible();
  await expect(page.getByText("No MFA devices")).toBeVisible();
  await hydrated(page);

  await page.getByRole("button", { name: "Assign MFA device" }).click();
  await page.getByLabel("Device name").fill("alice-phone");
  await expect(page.getByLabel("Authenticator app")).toBeChecked();
  await page.screenshot({ path: "test-results/screens/mfa-assign.png", fullPage: true });
  await page.getByRole("button", { name: "Next" }).click();

  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  await expect(page.locator(".secret-key")).toHaveCount(0);
  await page.getByRole("button", { name: "Show secret key" }).click();
  const secret = ((await page.locator(".secret-key").textContent()) ?? "").trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.screenshot({ path: "test-results/screens/mfa-totp-qr.png", fullPage: true });

  const totp = new OTPAuth.TOTP({
    issuer: "Switchyard",
    secret: OTPAuth.Secret.fromBase32(secret),
    algorithm: "SHA1",
    digits: 6,
    period: PERIOD,
  });
  // Two consecutive codes: this step's and the next one's (the server accepts ±1 step).
  const enrolStep = stepNow();
  await page.getByLabel("MFA code 1").fill(totp.generate({ timestamp: enrolStep * PERIOD * 1000 }));
  await page.getByLabel("MFA code 2").fill(totp.generate({ timestamp: (enrolStep + 1) * PERIOD * 1000 }));
  await page.getByRole("button", { name: "Add MFA" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your authenticator app was assigned." })).toBeVisible();
  const rows = page.locator("table.devices tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("alice-phone");
  await expect(rows.first()).toContainText("Authenticator app");
  // The secret is never shown again.
  await page.reload();
  await expect(page.locator(".secret-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secret);
  let lastStep = enrolStep + 1;

  // --- enrol a security key (virtual authenticator) --------------------------------------
  await hydrated(page);
  await page.getByRole("button", { name: "Assign MFA device" }).click();
  await page.getByLabel("Device name").fill("alice-key");
  await page.getByLabel("Security key or passkey").check();
  await page.getByRole("button", { name: "Next" }).click();
  // A second device needs an MFA with the first one (enrolling the first was not an MFA).
  const stepUp = await freshCode(totp, lastStep);
  lastStep = stepUp.step;
  await confirmWithMfa(page, totp, stepUp.step);
  // The server function answers "step up first" as an error status, which Chromium logs once.
  // (Typed server-function errors, issue 13, will make it a normal answer.)
  const stepUpAnswer = consoleErrors.findIndex((e) => e.includes("status of 500"));
  expect(stepUpAnswer, "the step-up answer").toBeGreaterThanOrEqual(0);
  consoleErrors.splice(stepUpAnswer, 1);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your security key was assigned." })).toBeVisible();
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "alice-key" })).toContainText("Security key or passkey");
  await page.screenshot({ path: "test-results/screens/security-credentials.png", fullPage: true });

  // --- sign in with the security key -----------------------------------------------------
  await signOut(page);
  await passwordStep(page);
  await hydrated(page);
  await page.screenshot({ path: "test-results/screens/mfa-sign-in.png", fullPage: true });
  await page.getByRole("button", { name: "Use security key" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Welcome, alice" })).toBeVisible();

  // --- sign in with a code; the same code again is refused --------------------------------
  await signOut(page);
  await passwordStep(page);
  const fresh = await freshCode(totp, lastStep);
  lastStep = fresh.step;
  await page.getByLabel("MFA code").fill(fresh.code);
  await page.getByRole("button", { name: "Submit" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Welcome, alice" })).toBeVisible();

  await signOut(page);
  await passwordStep(page);
  await page.getByLabel("MFA code").fill(fresh.code);
  await page.getByRole("button", { name: "Submit" }).click();
  await expect(page).toHaveURL(/\/mfa\?error=invalid$/);
  await expect(page.getByRole("alert")).toContainText("The MFA code was not accepted");
  await page.screenshot({ path: "test-results/screens/mfa-replay-refused.png", fullPage: true });

  // The security key still works, and then alice removes the authenticator app.
  await hydrated(page);
  await page.getByRole("button", { name: "Use security key" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/security-credentials");
  await hydrated(page);
  await expect(rows).toHaveCount(2);
  await page.getByRole("button", { name: "Remove alice-phone" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The MFA device was removed." })).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("alice-key");
});
