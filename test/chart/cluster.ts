// A real Kubernetes API server (etcd + kube-apiserver, no nodes, no controllers) for `helm
// install`: admission, discovery, CRDs and lookups are the real ones. The binaries and CRDs come
// from scripts/e2e-build.sh (the pinned end-to-end control plane; cached after its first build).

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "../integration/harness.ts";
import { root } from "./helm.ts";

export class ApiServer {
  readonly dir = mkdtempSync(join(tmpdir(), "mlas-apiserver-"));
  readonly kubeconfig = join(this.dir, "kubeconfig");
  private readonly procs: ChildProcess[] = [];
  private controlPlane = "";

  async start(): Promise<void> {
    this.controlPlane = execFileSync("bash", [join(root, "scripts/e2e-build.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    const [etcdClient, etcdPeer, apiPort] = await freePorts(3);
    this.run("etcd", [
      `--data-dir=${join(this.dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      "--log-level=error",
    ]);
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(this.dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(this.dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(join(this.dir, "tokens.csv"), "test-admin-token,admin,1,system:masters\n");
    this.run("kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(this.dir, "certs")}`,
      `--token-auth-file=${join(this.dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${join(this.dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(this.dir, "sa.key")}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      "--enable-priority-and-fairness=false",
      "--v=0",
    ]);
    writeFileSync(
      this.kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: test, cluster: { server: "https://127.0.0.1:${apiPort}", insecure-skip-tls-verify: true } }]
users: [{ name: admin, user: { token: test-admin-token } }]
contexts: [{ name: test, context: { cluster: test, user: admin, namespace: default } }]
current-context: test
`,
    );
    await this.waitReady();
  }

  private run(binary: string, args: string[]): void {
    const p = spawn(join(this.controlPlane, "bin", binary), args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    p.once("exit", (code) => {
      if (code !== null && code !== 0) process.stderr.write(`${binary} exited ${code}: ${err}\n`);
    });
    this.procs.push(p);
  }

  private async waitReady(): Promise<void> {
    const until = Date.now() + 90_000;
    let last = "";
    while (Date.now() < until) {
      try {
        const out = this.kubectl(["get", "--raw", "/readyz"]);
        if (out.trim() === "ok") {
          // The default namespace and service account's namespace objects exist once bootstrap ends.
          this.kubectl(["get", "namespace", "default"]);
          return;
        }
        last = out;
      } catch (e) {
        last = (e as Error).message.split("\n")[0] ?? "";
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`kube-apiserver not ready within 90 s: ${last}`);
  }

  kubectl(args: readonly string[], input?: string): string {
    return execFileSync("kubectl", ["--kubeconfig", this.kubeconfig, ...args], {
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      ...(input !== undefined ? { input } : {}),
    });
  }

  /** Applies the CRDs gathered by scripts/e2e-build.sh ("keda" or "prometheus-operator"). */
  applyCRDs(which: "keda" | "prometheus-operator"): void {
    this.kubectl(["apply", "--server-side", "-f", join(this.controlPlane, "crds", which)]);
    this.kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
  }

  async stop(): Promise<void> {
    for (const p of this.procs.reverse()) {
      if (p.exitCode !== null) continue;
      await new Promise<void>((resolve) => {
        p.once("exit", () => {
          resolve();
        });
        p.kill("SIGTERM");
      });
    }
  }
}
