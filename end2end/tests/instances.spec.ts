// Two real switchyard processes on one PostgreSQL, as behind a load balancer without sticky
// sessions: a session made on A works on B, one instance dies with SIGKILL and the other
// carries on, and the audit trail on either shows what both did.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Page } from "@playwright/test";
import { test, expect, DEMO, hydrated } from "./support/fixtures";
import { SwitchyardServer } from "./support/server";

const serverUrl = process.env.SWITCHYARD_TEST_DATABASE_URL ?? "";
// Every instance of one database shares one MFA data key.
const sharedKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/** A fresh database on the test PostgreSQL server (scripts/test.sh starts one). */
function freshDatabase(): string {
  const name = `e2e_${randomUUID().replace(/-/g, "")}`;
  execFileSync("psql", [serverUrl, "-qAtc", `CREATE DATABASE ${name}`]);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function signInAt(page: Page, base: string, who: { user: string; password: string }) {
  await page.goto(`${base}/signin`);
  await page.getByLabel("Account ID or alias").fill(DEMO.account);
  await page.getByLabel("User name").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${base}/`);
}

test.describe("several instances on one PostgreSQL", () => {
  test.skip(!serverUrl, "SWITCHYARD_TEST_DATABASE_URL names no PostgreSQL server");

  let a: SwitchyardServer;
  let b: SwitchyardServer;
  test.beforeAll(async () => {
    const env = { SWITCHYARD_DATABASE_URL: freshDatabase(), SWITCHYARD_MFA_ENCRYPTION_KEY: sharedKey };
    [a, b] = await Promise.all([SwitchyardServer.start(env), SwitchyardServer.start(env)]);
  });
  test.afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  test("alice signs in on A, carries on on B, B is killed and A carries on; the audit trail has both", async ({
    page,
  }) => {
    await signInAt(page, a.url, DEMO.alice);
    await hydrated(page);
    await expect(page.getByRole("button", { name: /^alice @ development/ })).toBeVisible();

    // The same cookie on the other instance (cookies do not depend on the port: only the
    // host the browser asks changes).
    await page.goto(`${b.url}/`);
    await hydrated(page);
    await expect(page).toHaveURL(`${b.url}/`);
    await expect(page.getByRole("heading", { name: "Welcome, alice" })).toBeVisible();
    await page.screenshot({ path: "test-results/screens/instance-b.png", fullPage: true });

    // B dies mid-session; A knows nothing of it and serves her on.
    await b.kill();
    await page.goto(`${a.url}/switchrole`);
    await hydrated(page);
    await expect(page.getByRole("button", { name: /^alice @ development/ })).toBeVisible();
    await expect(page).toHaveURL(`${a.url}/switchrole`);

    // She signs out on A; the session is gone for every instance.
    await page.getByRole("button", { name: /^alice @ development/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/signin\?signed_out=1$/);

    // B comes back on the same database; the audit trail on it shows A's events and its own.
    await b.restart();
    await signInAt(page, b.url, DEMO.admin);
    await page.goto(`${b.url}/audit`);
    await hydrated(page);
    await page.getByLabel("User").fill("alice");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const rows = page.locator(".audit-table tbody tr");
    await expect(rows.filter({ hasText: "SignOut" })).toHaveCount(1);
    await expect(rows.filter({ hasText: "SignIn" })).toHaveCount(1);
    await page.screenshot({ path: "test-results/screens/instances-audit.png", fullPage: true });
  });
});
