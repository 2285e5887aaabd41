// Access keys on Security credentials, as a person uses them: create one, copy the secret
// shown once, deactivate and delete; with an authenticator app its ARN is shown and creating
// a key asks for a fresh MFA.
import { expect, DEMO, confirmWithMfa, enrolAuthenticator, hydrated, signIn, testWithOwnServer } from "./support/fixtures";

// These tests give alice keys and bob a device for good: a server of this file's own.
const test = testWithOwnServer();

test("alice creates an access key, sees its secret once, then deactivates and deletes it", async ({ page }) => {
  await signIn(page, DEMO.alice);
  await page.goto("/security-credentials");
  await hydrated(page);
  const section = page.getByRole("region", { name: "Access keys" });
  await expect(section.getByText("No access keys")).toBeVisible();
  await section.getByRole("button", { name: "Create access key" }).click();

  const created = page.getByRole("region", { name: "New access key" });
  const keyId = created.getByRole("textbox", { name: "Access key ID" });
  const secret = created.getByRole("textbox", { name: "Secret access key" });
  await expect(keyId).toHaveValue(/^AKIA[A-Z2-7]{16}$/);
  await expect(secret).toHaveValue(/^[A-Za-z0-9+/]{40}$/);
  await expect(keyId).toHaveAttribute("readonly", "");
  await expect(created.getByRole("button", { name: "Copy secret access key" })).toBeVisible();
  await expect(created).toContainText("only time the secret access key can be viewed");
  const id = await keyId.inputValue();
  const secretValue = await secret.inputValue();
  await page.screenshot({ path: "test-results/screens/access-key-created.png", fullPage: true });

  // Never again: not after Done, not after a reload.
  await created.getByRole("button", { name: "Done" }).click();
  await expect(created).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  const row = section.getByRole("row", { name: new RegExp(id) });
  await expect(row).toContainText("Active");
  await expect(row).toContainText("Never");
  expect(await page.content()).not.toContain(secretValue);

  // A second key fills the two places; a third cannot be asked for.
  await section.getByRole("button", { name: "Create access key" }).click();
  await expect(page.getByRole("region", { name: "New access key" })).toBeVisible();
  await expect(section.getByRole("button", { name: "Create access key" })).toBeDisabled();

  // An active key is deactivated before it can be deleted.
  await expect(row.getByRole("button", { name: `Delete ${id}` })).toBeDisabled();
  await row.getByRole("button", { name: `Deactivate ${id}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Access key ${id} is inactive` })).toBeVisible();
  await expect(row).toContainText("Inactive");
  await row.getByRole("button", { name: `Delete ${id}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Access key ${id} was deleted.` })).toBeVisible();
  await expect(section.getByRole("row", { name: new RegExp(id) })).toHaveCount(0);
  await expect(section.getByRole("button", { name: "Create access key" })).toBeEnabled();
});

test("with an authenticator app, bob sees its ARN and confirms a new key with a code", async ({ page, consoleErrors }) => {
  await signIn(page, DEMO.bob);
  const totp = await enrolAuthenticator(page, "bob-phone");
  await page.reload();
  await hydrated(page);
  const arn = "arn:aws:iam::111122223333:mfa/bob-phone";
  await expect(page.locator("code", { hasText: arn })).toBeVisible();
  await expect(page.getByRole("button", { name: `Copy MFA device ARN ${arn}` })).toBeVisible();

  await page.getByRole("region", { name: "Access keys" }).getByRole("button", { name: "Create access key" }).click();
  // Enrolling a device is not an MFA: the key waits for a code.
  await confirmWithMfa(page, totp);
  // The server function's StepUpRequired answer is an error status the browser logs.
  const stepUpAnswer = consoleErrors.findIndex((e) => e.includes("status of 500"));
  expect(stepUpAnswer).toBeGreaterThanOrEqual(0);
  consoleErrors.splice(stepUpAnswer, 1);
  await expect(page.getByRole("region", { name: "New access key" }).getByRole("textbox", { name: "Access key ID" })).toHaveValue(/^AKIA/);
  await page.screenshot({ path: "test-results/screens/access-keys-with-mfa.png", fullPage: true });
});
