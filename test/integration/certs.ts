// Certificates for the TLS tests, made with openssl: CAs, and server (127.0.0.1/localhost) and
// client certificates signed by them.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export class Certs {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  private ssl(args: string[]): void {
    execFileSync("openssl", args, { stdio: "pipe", cwd: this.dir });
  }

  /** <ca>-ca.crt and <ca>-ca.key. */
  ca(ca: string): void {
    const f = this.file.bind(this);
    this.ssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${ca}-ca`,
      "-keyout",
      f(`${ca}-ca.key`),
      "-out",
      f(`${ca}-ca.crt`),
    ]);
  }

  /** <name>.crt and <name>.key, signed by <ca>-ca, for a server or a client. */
  issue(name: string, ca: string, who: "server" | "client"): void {
    const f = this.file.bind(this);
    this.ssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${name}`,
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.csr`),
    ]);
    writeFileSync(
      f(`${name}.ext`),
      who === "server"
        ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        : "extendedKeyUsage=clientAuth\n",
    );
    this.ssl([
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      f(`${ca}-ca.crt`),
      "-CAkey",
      f(`${ca}-ca.key`),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      f(`${name}.ext`),
      "-out",
      f(`${name}.crt`),
    ]);
  }

  /** A CA <prefix>-ca with <prefix>-server and <prefix>-client. */
  set(prefix: string): void {
    this.ca(prefix);
    this.issue(`${prefix}-server`, prefix, "server");
    this.issue(`${prefix}-client`, prefix, "client");
  }
}
