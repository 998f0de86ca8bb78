import Hummingbird

extension RouteTable {
    /// `GET /health` → `200 {"status":"ok"}` once the service can serve.
    public mutating func addHealthRoute() {
        get("/health") { _, _ in
            JSONResponse.raw(Data(#"{"status":"ok"}"#.utf8))
        }
    }
}

import struct Foundation.Data
