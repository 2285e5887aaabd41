// The story end to end: alice enrols an authenticator app, switches into UpdateAPP from an
// emailed link, sees the banner count down, and switches back. Every response of the run is
// scanned for the temporary credentials the server holds: they must appear in none.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { expect, DEMO, enrolAuthenticator, hydrated, signIn, testWithOwnServer } from "./support/fixtures";

// alice enrols a device here: this file gets a server of its own.
const test = testWithOwnServer();

const LINK = "/switchrole?account=123456789012&roleName=UpdateAPP&displayName=Prod%20app&color=green";

/** The secret access keys and session tokens held in the server-side session records. */
function heldSecrets(dataDir: string): string[] {
  const script = [
    "import re, sqlite3, sys",
    "con = sqlite3.connect(sys.argv[1])",
    "for (data,) in con.execute('select data from tower_sessions'):",
    "    blob = data if isinstance(data, bytes) else data.encode()",
    "    for field in (rb'secret_access_key', rb'session_token'):",
    "        for m in re.findall(field + rb'.{1,4}?([A-Za-z0-9+/=_-]{32,})', blob, re.S): print(m.decode())",
  ].join("\n");
  const out = execFileSync("python3", ["-c", script, path.join(dataDir, "switchyard.db")]).toString();
  return out.split("\n").filter(Boolean);
}

test("alice switches into UpdateAPP with MFA, sees the banner, and switches back", async ({ page, ownServer }) => {
  test.setTimeout(120_000);
  const bodies: Promise<string>[] = [];
  page.on("response", (response) => bodies.push(response.text().catch(() => "")));

  await signIn(page, DEMO.alice);
  await enrolAuthenticator(page, "alice-phone");

  // The emailed link fills the form; the click switches.
  await page.goto(LINK);
  await hydrated(page);
  await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
  await page.getByRole("button", { name: "Switch Role" }).click();
  await expect(page).toHaveURL(/\/$/);

  const banner = page.getByRole("region", { name: "Session" });
  await expect(banner).toContainText("Prod app");
  await expect(banner).toContainText("UpdateAPP");
  await expect(banner).toContainText("1234-5678-9012");
  await expect(page.getByText("Only the role's permissions apply")).toBeVisible();
  await hydrated(page);
  const timer = banner.getByRole("timer");
  await expect(timer).toHaveText(/^\d+:\d\d left$/);
  const first = await timer.textContent();
  await expect(timer).not.toHaveText(first ?? "", { timeout: 3_000 });
  await page.screenshot({ path: "test-results/screens/in-role.png", fullPage: true });

  // The navbar shows the role; the menu says who is signed in underneath.
  const menuButton = page.getByRole("button", { name: /^Prod app ?, signed in as alice @ development/ });
  await expect(menuButton).toBeVisible();
  await menuButton.click();
  await expect(page.getByText("Currently active as")).toBeVisible();
  await expect(page.locator(".menu-panel").getByText("Signed in as alice @ development", { exact: true })).toBeVisible();
  await page.screenshot({ path: "test-results/screens/in-role-menu.png" });
  await page.getByRole("menuitem", { name: "Switch back" }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^alice @ development/ })).toBeVisible();

  // Switch again so that a role is held while we look at the store, then scan every response.
  await page.goto(LINK);
  await hydrated(page);
  await page.getByRole("button", { name: "Switch Role" }).click();
  await expect(page.getByRole("region", { name: "Session" })).toBeVisible();
  await page.reload();
  const secrets = heldSecrets(ownServer.dataDir);
  expect(secrets.length, "the server holds the role's secret key and session token").toBeGreaterThanOrEqual(2);
  const all = await Promise.all(bodies);
  expect(all.length).toBeGreaterThan(10);
  for (const body of all) {
    for (const s of secrets) {
      expect(body.includes(s), `a held secret reached the browser: ${s.slice(0, 8)}…`).toBe(false);
    }
  }
});
