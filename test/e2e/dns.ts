// A DNS responder on loopback UDP for one name with several A records, so a gRPC client (KEDA, with
// its round_robin policy) resolving `dns://127.0.0.1:<port>/<name>:<grpcPort>` sees every scaler
// replica, as it would see a headless Service's endpoints. Other names get NXDOMAIN, other types of
// the name an empty answer. Queries are RFC 1035 messages; anything malformed is dropped.

import { createSocket, type Socket } from "node:dgram";

const TYPE_A = 1;
const CLASS_IN = 1;

/** The question's name (lower case), type and where the question ends; undefined when malformed. */
function question(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i] ?? 0;
    if (len === 0) break;
    if (len > 63 || i + 1 + len > msg.length) return undefined;
    labels.push(
      msg
        .subarray(i + 1, i + 1 + len)
        .toString("ascii")
        .toLowerCase(),
    );
    i += 1 + len;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join("."), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

export function dnsAnswer(query: Buffer, name: string, addresses: readonly string[]): Buffer | undefined {
  const q = question(query);
  if (!q) return undefined;
  const known = q.name === name.toLowerCase();
  const answers = known && q.type === TYPE_A ? addresses : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  // QR, authoritative, recursion desired and available; rcode 3 (NXDOMAIN) for unknown names.
  header.writeUInt16BE(0x8580 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((ip) => {
    const r = Buffer.alloc(16);
    r.writeUInt16BE(0xc00c, 0); // the question's name
    r.writeUInt16BE(TYPE_A, 2);
    r.writeUInt16BE(CLASS_IN, 4);
    r.writeUInt32BE(1, 6); // TTL 1 s
    r.writeUInt16BE(4, 10);
    ip.split(".").forEach((octet, k) => r.writeUInt8(Number(octet), 12 + k));
    return r;
  });
  return Buffer.concat([header, query.subarray(12, q.end), ...records]);
}

export class DnsResponder {
  private readonly socket: Socket = createSocket("udp4");
  private readonly name: string;
  private readonly addresses: readonly string[];
  port = 0;

  constructor(name: string, addresses: readonly string[]) {
    this.name = name;
    this.addresses = addresses;
  }

  async start(): Promise<void> {
    this.socket.on("message", (msg, from) => {
      const reply = dnsAnswer(msg, this.name, this.addresses);
      if (reply) this.socket.send(reply, from.port, from.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, "127.0.0.1", resolve));
    this.port = this.socket.address().port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
