// The story's second door with a real client nobody here wrote: the AWS CLI (awscli from PyPI,
// installed by scripts/setup.sh beside moto) against the release binary. alice makes an access
// key on Security credentials, asks STS who she is, is refused UpdateAPP without an MFA code
// and gets it with one; bob is refused; a deactivated key stops working; the audit trail has
// every call.
import { execFile } from "node:child_process";
import { homedir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Page } from "@playwright/test";
import { expect, DEMO, enrolAuthenticator, hydrated, signIn, testWithOwnServer } from "./support/fixtures";

const run = promisify(execFile);
const test = testWithOwnServer();

const ROLE = "arn:aws:iam::123456789012:role/UpdateAPP";
const venv = process.env.MOTO_VENV ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "switchyard", "moto-venv");
const AWS = process.env.AWS_CLI ?? path.join(venv, "bin", "aws");

type Key = { id: string; secret: string };

/** Runs `aws ARGS` with only `key` (nothing of this machine's AWS settings). */
async function aws(endpoint: string, key: Key, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  const env = {
    PATH: process.env.PATH ?? "",
    AWS_ACCESS_KEY_ID: key.id,
    AWS_SECRET_ACCESS_KEY: key.secret,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  try {
    const { stdout } = await run(AWS, [...args, "--endpoint-url", `${endpoint}/aws`, "--output", "json"], { env, timeout: 30_000 });
    return { ok: true, out: stdout };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** Creates an access key on Security credentials and reads it from the fields shown once. */
async function createKey(page: Page): Promise<Key> {
  await page.goto("/security-credentials");
  await hydrated(page);
  await page.getByRole("region", { name: "Access keys" }).getByRole("button", { name: "Create access key" }).click();
  const created = page.getByRole("region", { name: "New access key" });
  const id = created.getByRole("textbox", { name: "Access key ID" });
  await expect(id).toHaveValue(/^AKIA/);
  return {
    id: await id.inputValue(),
    secret: await created.getByRole("textbox", { name: "Secret access key" }).inputValue(),
  };
}

test("alice's access key works with the AWS CLI: who she is, UpdateAPP only with an MFA code", async ({ page, ownServer }) => {
  test.setTimeout(120_000);
  const endpoint = ownServer.loopbackUrl;
  await signIn(page, DEMO.alice);
  // The key first: with no device yet, creating it needs no fresh MFA.
  const key = await createKey(page);
  const totp = await enrolAuthenticator(page, "alice-phone");
  const serial = "arn:aws:iam::111122223333:mfa/alice-phone";
  await page.reload();
  await expect(page.locator("code", { hasText: serial })).toBeVisible();

  const me = await aws(endpoint, key, "sts", "get-caller-identity");
  expect(me.ok, me.out).toBe(true);
  expect(JSON.parse(me.out)).toMatchObject({ Arn: "arn:aws:iam::111122223333:user/alice", Account: "111122223333" });

  const withoutCode = await aws(endpoint, key, "sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "cli");
  expect(withoutCode.ok).toBe(false);
  expect(withoutCode.out).toContain("AccessDenied");

  // Enrolment used the previous and the current time step; the next one is still unused.
  const code = totp.generate({ timestamp: (Math.floor(Date.now() / 30_000) + 1) * 30_000 });
  const withCode = await aws(endpoint, key, "sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "cli",
    "--serial-number", serial, "--token-code", code);
  expect(withCode.ok, withCode.out).toBe(true);
  const assumed = JSON.parse(withCode.out);
  expect(assumed.Credentials.AccessKeyId).toMatch(/^ASIA/);
  expect(assumed.AssumedRoleUser.Arn).toBe("arn:aws:sts::123456789012:assumed-role/UpdateAPP/cli");

  // The page now says when and where the key was last used.
  await page.reload();
  await hydrated(page);
  const row = page.getByRole("region", { name: "Access keys" }).getByRole("row", { name: new RegExp(key.id) });
  await expect(row).toContainText("(sts)");

  // A deactivated key stops working at once.
  await row.getByRole("button", { name: `Deactivate ${key.id}` }).click();
  await expect(row).toContainText("Inactive");
  const refused = await aws(endpoint, key, "sts", "get-caller-identity");
  expect(refused.ok).toBe(false);
  expect(refused.out).toContain("InvalidClientTokenId");
});

test("bob's AssumeRole of UpdateAPP is AccessDenied, and the audit trail shows the API's decisions", async ({ page, browser, ownServer }) => {
  const endpoint = ownServer.loopbackUrl;
  await signIn(page, DEMO.bob);
  const key = await createKey(page);
  const refused = await aws(endpoint, key, "sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "cli");
  expect(refused.ok).toBe(false);
  expect(refused.out).toContain("AccessDenied");
  const wrongSecret = await aws(endpoint, { id: key.id, secret: "x".repeat(40) }, "sts", "get-caller-identity");
  expect(wrongSecret.out).toContain("SignatureDoesNotMatch");

  const context = await browser.newContext({ baseURL: ownServer.url });
  const admin = await context.newPage();
  await signIn(admin, DEMO.admin);
  await admin.goto("/audit?action=SwitchRole&user=bob&decision=Denied");
  await hydrated(admin);
  await expect(admin.getByRole("table")).toContainText('"via": "API"');
  await admin.goto("/audit?action=ApiAuthentication");
  await hydrated(admin);
  await expect(admin.getByRole("table")).toContainText(key.id);
  await context.close();
});
