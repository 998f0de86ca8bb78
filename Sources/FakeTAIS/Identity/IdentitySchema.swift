public import GRDB

/// The identity tables of the fake-tais data file.
///
/// `signing_keys` holds every P-256 signing key ever made (PKCS#8 PEM): the one with `retired_at IS NULL`
/// signs; a rotated-out key keeps its row, with `retired_at` the moment it stopped signing, so its tokens
/// keep verifying for the grace period, across restarts too.
public enum IdentitySchema {
    public static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("fake-tais.identity.v1") { db in
            try db.execute(sql: """
                CREATE TABLE signing_keys(
                    kid TEXT PRIMARY KEY NOT NULL,
                    private_pem TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    retired_at REAL
                );
                CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys((retired_at IS NULL)) WHERE retired_at IS NULL;
                """)
        }
    }
}
