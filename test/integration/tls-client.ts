// A KEDA-like ExternalScaler client over TLS to a scaler on loopback, for the TLS tests. The test
// certificates name "localhost", so the channel overrides the target name.

import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "../../src/service/keda-grpc.ts";

export type IsActiveClient = grpc.Client & {
  IsActive: (
    r: unknown,
    m: grpc.Metadata,
    o: grpc.CallOptions,
    cb: (e: grpc.ServiceError | null, v: { result: boolean }) => void,
  ) => void;
};

export function tlsScalerClient(port: number, creds: grpc.ChannelCredentials): IsActiveClient {
  const { scaler } = loadProtos();
  const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
  return new Ctor(`127.0.0.1:${port}`, creds, {
    "grpc.ssl_target_name_override": "localhost",
  }) as unknown as IsActiveClient;
}

/** IsActive for the service "api", failing after `deadlineMs`. */
export function askIsActive(c: IsActiveClient, deadlineMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    c.IsActive(
      { scalerMetadata: { service: "api" } },
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (e, v) => {
        if (e) reject(e);
        else resolve(v.result);
      },
    );
  });
}
