// Starts and stops the real `switchyard` release binary for the tests: a free loopback port,
// a fresh data directory, and the compiled site from `cargo leptos build --release`.
import { spawn, ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
const binary = path.join(repoRoot, "target", "release", "switchyard");
const siteRoot = path.join(repoRoot, "target", "site");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export class SwitchyardServer {
  private proc?: ChildProcess;
  readonly log: string[] = [];

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<SwitchyardServer> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-"));
    const server = new SwitchyardServer(await freePort(), dataDir, env);
    await server.start();
    return server;
  }

  /** The server's default public URL. Page loads under 127.0.0.1 are redirected here
   * (WebAuthn needs a host name: browsers refuse IP addresses as the relying party ID). */
  get url(): string {
    return `http://localhost:${this.port}`;
  }

  get localUrl(): string {
    return this.url;
  }

  /** The listen address itself: page loads there move to `url`. */
  get loopbackUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!fs.existsSync(binary)) {
      throw new Error(`${binary} is missing: run \`cargo leptos build --release\` first`);
    }
    const proc = spawn(binary, ["serve"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
        LEPTOS_SITE_ROOT: siteRoot,
        SWITCHYARD_DATA_DIR: this.dataDir,
        // The default 1 GiB reserve is for production disks; a CI machine that has just built
        // everything can have less free than that, and these tests upload a few hundred KB.
        // The reserve itself is tested in the Rust suite (hardening.rs).
        SWITCHYARD_UPLOAD_FREE_SPACE_RESERVE: "16MiB",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    const collect = (chunk: Buffer) => this.log.push(chunk.toString());
    proc.stdout?.on("data", collect);
    proc.stderr?.on("data", collect);
    await this.waitHealthy(proc);
  }

  private async waitHealthy(proc: ChildProcess): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) {
        throw new Error(`switchyard exited with ${proc.exitCode}:\n${this.log.join("")}`);
      }
      try {
        const response = await fetch(`${this.loopbackUrl}/healthz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`switchyard did not become healthy:\n${this.log.join("")}`);
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    // Gone already: exited, or killed by a signal (then exitCode stays null).
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILL: the process dies mid-whatever, as a crashed instance would. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  get exitCode(): number | null {
    return this.proc?.exitCode ?? null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
