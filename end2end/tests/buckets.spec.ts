// The bucket browser end to end: alice, holding UpdateAPP, reaches productionapp by name,
// uploads with the picker (a progress bar per file), downloads the same bytes, deletes with a
// confirmation; production-logs says "Access denied" in the page; an uploaded HTML file with
// a script is only ever an attachment; bob, with no role, cannot open productionapp.
import * as fs from "node:fs";
import * as OTPAuth from "otpauth";
import { Page } from "@playwright/test";
import { expect, DEMO, inTab, confirmWithMfa, hydrated, signIn, testWithOwnServer } from "./support/fixtures";

// alice enrols a device here: this file gets a server of its own.
const test = testWithOwnServer();

const LINK = "/switchrole?account=123456789012&roleName=UpdateAPP&displayName=Prod%20app&color=green";

async function aliceInUpdateApp(page: Page): Promise<void> {
  await signIn(page, DEMO.alice);
  await page.goto("/security-credentials");
  await hydrated(page);
  await page.getByRole("button", { name: "Assign MFA device" }).click();
  await page.getByLabel("Device name").fill("alice-phone");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Show secret key" }).click();
  const secret = ((await page.locator(".secret-key").textContent()) ?? "").trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 });
  const step = Math.floor(Date.now() / 30_000);
  await page.getByLabel("MFA code 1").fill(totp.generate({ timestamp: (step - 1) * 30_000 }));
  await page.getByLabel("MFA code 2").fill(totp.generate({ timestamp: step * 30_000 }));
  await page.getByRole("button", { name: "Add MFA" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your authenticator app was assigned." })).toBeVisible();
  await page.goto(LINK);
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role" }).click();
  await confirmWithMfa(page, totp, step + 1);
  await expect(page.getByRole("region", { name: "Session" })).toContainText("UpdateAPP");
}

test("alice in UpdateAPP uploads, downloads and deletes in productionapp; other buckets are denied", async ({ page, context }) => {
  test.setTimeout(120_000);
  await aliceInUpdateApp(page);

  // The role may not list buckets: the page says so and offers "Go to bucket".
  await page.getByRole("link", { name: "Buckets" }).first().click();
  await expect(page).toHaveURL(/\/s3$/);
  await expect(page.getByRole("alert").filter({ hasText: "Access denied" })).toBeVisible();
  await hydrated(page);
  await page.screenshot({ path: "test-results/screens/buckets-denied.png", fullPage: true });
  await page.getByLabel("Bucket name").fill("productionapp");
  await page.getByRole("button", { name: "Go to bucket" }).click();
  await expect(page).toHaveURL(/\/s3\/buckets\/productionapp$/);

  // Folders first, then objects.
  const table = page.locator("table.objects");
  await expect(table.locator("tbody tr").first()).toContainText("app/");
  await expect(table.getByRole("link", { name: "index.html", exact: true })).toBeVisible();
  await hydrated(page);

  // Upload with the picker: a progress bar for the file, then the object in the listing.
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + 7) % 256));
  await page.locator("#upload-files").setInputFiles({ name: "report.bin", mimeType: "application/octet-stream", buffer: bytes });
  const progress = page.getByRole("progressbar", { name: "Uploading report.bin" });
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute("aria-valuenow", "100");
  await expect(page.locator(".upload-row").filter({ hasText: "report.bin" })).toContainText("Uploaded");
  await expect(table.getByRole("link", { name: "report.bin", exact: true })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/buckets-uploaded.png", fullPage: true });

  // Download: the same bytes, as an attachment.
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download report.bin" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("report.bin");
  const saved = await download.path();
  expect(Buffer.compare(fs.readFileSync(saved), bytes)).toBe(0);

  // Details: key, size, ETag, ARN with a copy button.
  await table.getByRole("link", { name: "report.bin", exact: true }).click();
  await expect(page.getByRole("heading", { name: "report.bin" })).toBeVisible();
  await expect(page.getByText("arn:aws:s3:::productionapp/report.bin")).toBeVisible();
  await expect(page.getByRole("button", { name: "Copy ARN" })).toBeVisible();
  await expect(page.getByText("300000 bytes")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/buckets-object.png", fullPage: true });
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "productionapp" }).click();
  await expect(table.getByRole("link", { name: "report.bin", exact: true })).toBeVisible();
  await hydrated(page);

  // Delete with a confirmation that lists the key.
  await page.getByRole("checkbox", { name: "Select report.bin" }).check();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Delete objects" });
  await expect(dialog).toContainText("report.bin");
  await page.screenshot({ path: "test-results/screens/buckets-delete.png", fullPage: true });
  await dialog.getByRole("button", { name: "Delete objects" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deleted 1 object." })).toBeVisible();
  await expect(table.getByRole("link", { name: "report.bin", exact: true })).toHaveCount(0);


  // An uploaded HTML page with a script is only ever downloaded, never run.
  await page.goto(inTab(page, "/s3/buckets/productionapp"));
  await hydrated(page);
  const html = "<!doctype html><title>owned</title><script>alert('xss'); document.title = 'pwned';</script>";
  await page.locator("#upload-files").setInputFiles({ name: "evil.html", mimeType: "text/html", buffer: Buffer.from(html) });
  await expect(page.getByRole("progressbar", { name: "Uploading evil.html" })).toHaveAttribute("aria-valuenow", "100");
  await expect(page.locator("table.objects").getByRole("link", { name: "evil.html", exact: true })).toBeVisible();

  const dialogs: string[] = [];
  context.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const htmlDownloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download evil.html" }).click();
  const htmlDownload = await htmlDownloadPromise;
  expect(htmlDownload.suggestedFilename()).toBe("evil.html");
  expect(fs.readFileSync(await htmlDownload.path()).toString()).toBe(html);

  // Opening the URL directly (as a shared link would) also only downloads it.
  const url = new URL(htmlDownload.url());
  const response = await page.request.get(url.pathname + url.search);
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers["content-disposition"]).toMatch(/^attachment;/);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["content-security-policy"]).toBe("sandbox; default-src 'none'");
  const other = await context.newPage();
  const direct = other.waitForEvent("download");
  await other.goto(url.pathname + url.search).catch(() => undefined);
  await direct;
  await other.close();

  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  expect(await page.title()).not.toBe("pwned");

  // Another bucket of the account: denied in the page.
  await page.goto(inTab(page, "/s3/buckets/production-logs"));
  await expect(page.getByRole("alert").filter({ hasText: "Access denied" })).toContainText("s3:ListBucket");
  await expect(page.locator("table.objects")).toHaveCount(0);
});

test("bob, a Tester without a role, cannot open productionapp", async ({ page }) => {
  await signIn(page, DEMO.bob);
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/s3/buckets/productionapp");
  await expect(page.getByRole("alert").filter({ hasText: "Access denied" })).toBeVisible();
  await expect(page.locator("table.objects")).toHaveCount(0);
  const refused = await page.request.get("/s3/download/productionapp?key=index.html");
  expect(refused.status()).toBe(403);
});
