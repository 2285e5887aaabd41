// The story end to end: alice enrols an authenticator app, switches into UpdateAPP from an
// emailed link, sees the banner count down, and switches back. Every response of the run is
// scanned for the temporary credentials the server holds: they must appear in none.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { expect, DEMO, IN_ROLE_SESSION, confirmWithMfa, enrolAuthenticator, hydrated, signIn, testWithOwnServer } from "./support/fixtures";

// alice enrols a device here: this file gets a server of its own.
const test = testWithOwnServer();

const LINK = "/switchrole?account=123456789012&roleName=UpdateAPP&displayName=Prod%20app&color=green";

/** The secret access keys and session tokens held in the server-side session records. */
/** What the session table holds of role credentials: plain secrets (there must be none) and
 * sealed roles (AES-256-GCM blobs under the data key). */
function heldRoles(dataDir: string): { plain: string[]; sealed: string[] } {
  const script = [
    "import json, re, sqlite3, sys",
    "con = sqlite3.connect(sys.argv[1])",
    "plain, sealed = [], []",
    "for (data,) in con.execute('select data from tower_sessions'):",
    "    blob = data if isinstance(data, bytes) else data.encode()",
    "    for field in (rb'secret_access_key', rb'session_token'):",
    "        plain += [m.decode() for m in re.findall(field + rb'.{1,4}?([A-Za-z0-9+/=_-]{32,})', blob, re.S)]",
    "    sealed += [m.decode() for m in re.findall(rb'sealed.{1,4}?([A-Za-z0-9+/=]{64,})', blob, re.S)]",
    "print(json.dumps({'plain': plain, 'sealed': sealed}))",
  ].join("\n");
  return JSON.parse(execFileSync("python3", ["-c", script, path.join(dataDir, "switchyard.db")]).toString());
}

test("alice switches into UpdateAPP with MFA, sees the banner, and switches back", async ({ page, ownServer }) => {
  test.setTimeout(120_000);
  const bodies: Promise<string>[] = [];
  page.on("response", (response) => bodies.push(response.text().catch(() => "")));

  await signIn(page, DEMO.alice);
  const totp = await enrolAuthenticator(page, "alice-phone");

  // The emailed link fills the form; the click switches.
  await page.goto(LINK);
  await hydrated(page);
  await expect(page.getByRole("region", { name: "Session" })).toHaveCount(0);
  await page.getByRole("button", { name: "Switch Role" }).click();
  // Enrolling is not an MFA: the switch asks for a code once, then goes on by itself.
  await confirmWithMfa(page, totp);
  // The tab now acts in the new role session: its URL says which.
  await expect(page).toHaveURL(IN_ROLE_SESSION);

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
  const held = heldRoles(ownServer.dataDir);
  expect(held.plain, "no plain role secret in the session table").toEqual([]);
  expect(held.sealed.length, "the held role is sealed in the session table").toBeGreaterThanOrEqual(1);
  const all = await Promise.all(bodies);
  expect(all.length).toBeGreaterThan(10);
  for (const body of all) {
    for (const s of held.sealed) {
      expect(body.includes(s.slice(0, 40)), "the sealed role reached the browser").toBe(false);
    }
    // Field names of held credentials in a page or reply (the WASM bundle names its own types).
    if (!body.startsWith("\u0000asm")) {
      expect(/secret_?access_?key|session_?token/i.test(body), "a credential field reached the browser").toBe(false);
    }
  }
});
