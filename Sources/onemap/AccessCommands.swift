import ArgumentParser
import Foundation
import OneMapStore

/// `onemap user add|list|remove|passwd`.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users (who may see and edit which layers).",
                                                    subcommands: [Add.self, List.self, Remove.self, Passwd.self])

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's web map password (kept only as a salted scrypt hash; their sessions end).",
            discussion: "Asks twice on a terminal; otherwise reads the password from the first line of standard input.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The user name.") var name: String

        func run() throws {
            try reportingErrors {
                let password: String
                if isatty(STDIN_FILENO) == 1 {
                    guard let first = getpass("password for \(name): ").map({ String(cString: $0) }),
                          let second = getpass("again: ").map({ String(cString: $0) }) else { throw CLIError(description: "no password given") }
                    guard first == second else { throw CLIError(description: "the two passwords differ; nothing changed") }
                    password = first
                } else {
                    guard let line = readLine(strippingNewline: true) else { throw CLIError(description: "no password on standard input") }
                    password = line
                }
                try options.open().setPassword(password, for: name)
                print("password set for \(name); they can sign in to the web map")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user, or change an existing user's roles.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "A role (repeat for several): viewer, analyst, editor, admin, or one added with `onemap role add`.")
        var role: [String] = []

        func run() throws {
            try reportingErrors {
                guard !role.isEmpty else { throw CLIError(description: "give the user at least one --role (see `onemap role list`)") }
                try options.open().saveUser(name, roles: role)
                print("user \(name): \(role.joined(separator: ", ")); create a token with `onemap token create \(name)`")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users.")
        @OptionGroup var options: StoreOptions

        func run() throws {
            try reportingErrors {
                let users = try options.open().users()
                if users.isEmpty { print("no users: `onemap serve` serves public layers only") }
                else { print(Table.render([["name", "roles", "created"]] + users.map { [$0.name, $0.roles.joined(separator: ","), $0.createdAt] })) }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user and revoke their tokens.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The user name.") var name: String

        func run() throws {
            try reportingErrors {
                try options.open().removeUser(name)
                print("removed \(name)")
            }
        }
    }
}

/// `onemap token create|revoke|list`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens (stored only as hashes).",
                                                    subcommands: [Create.self, Revoke.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token for a user and print it (once: it cannot be shown again).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The user name.") var user: String
        @Option(help: "What the token is for.") var note: String?

        func run() throws {
            try reportingErrors {
                let (id, token) = try options.open().createToken(for: user, note: note)
                print(token)
                FileHandle.standardError.write(Data("token \(id) for \(user); send it as `Authorization: Bearer TOKEN` or `?token=TOKEN`. It is not stored and cannot be shown again.\n".utf8))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The token id (from `onemap token list`).") var id: Int64

        func run() throws {
            try reportingErrors {
                try options.open().revokeToken(id)
                print("revoked token \(id)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (ids, users, dates; never the tokens).")
        @OptionGroup var options: StoreOptions

        func run() throws {
            try reportingErrors {
                let tokens = try options.open().tokens()
                print(Table.render([["id", "user", "created", "revoked", "note"]] + tokens.map {
                    [String($0.id), $0.user, $0.createdAt, $0.revokedAt ?? "-", $0.note ?? ""]
                }))
            }
        }
    }
}

/// `onemap role list|add`.
struct RoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "role", abstract: "List or add roles.", subcommands: [List.self, Add.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the roles.")
        @OptionGroup var options: StoreOptions

        func run() throws {
            try reportingErrors {
                let roles = try options.open().roles()
                print(Table.render([["name", "level", "also reads", "edits", "description"]] + roles.map {
                    [$0.name, $0.level.rawValue, $0.readLayers.joined(separator: ","), $0.writeLayers.joined(separator: ","), $0.description ?? ""]
                }))
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add or replace a role.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The role name.") var name: String
        @Option(help: "The access level it grants: public, internal or confidential.") var level: String
        @Option(help: "Layers it may also read, comma-separated.") var read: String = ""
        @Option(help: "Layers it may edit, comma-separated ('*' for every layer it can read).") var write: String = ""
        @Option(help: "What the role is for.") var description: String?

        func run() throws {
            try reportingErrors {
                guard let access = AccessLevel(rawValue: level) else { throw CLIError(description: "--level must be public, internal or confidential") }
                func list(_ s: String) -> [String] { s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                try options.open().saveRole(Role(name: name, level: access, readLayers: list(read), writeLayers: list(write), description: description))
                print("role \(name) saved")
            }
        }
    }
}

/// `onemap audit [--since TIME] [--layer ID] [--json]`.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log: edits, confidential reads, user and token changes.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Only records at or after this ISO 8601 time (e.g. 2026-11-24 or 2026-11-24T08:00).") var since: String?
    @Option(help: "Only records about this layer.") var layer: String?
    @Option(help: "At most this many records.") var limit: Int = 1000
    @Flag(help: "Print JSON lines with the before and after of each edit.") var json = false

    func run() throws {
        try reportingErrors {
            if let since, since.range(of: #"^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2})?)?)?"#, options: .regularExpression) == nil {
                throw CLIError(description: "--since must be an ISO 8601 time such as 2026-11-24 or 2026-11-24T08:00")
            }
            let records = try options.open().auditRecords(since: since?.replacingOccurrences(of: " ", with: "T"), layer: layer, limit: limit)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for r in records {
                    let object: [String: String?] = ["seq": String(r.sequence), "at": r.at, "principal": r.principal, "action": r.action, "layer": r.layerID,
                                                     "feature": r.featureID.map(String.init), "before": r.before, "after": r.after, "detail": r.detail]
                    print(String(decoding: try encoder.encode(object.compactMapValues { $0 }), as: UTF8.self))
                }
            } else if records.isEmpty {
                print("no audit records")
            } else {
                print(Table.render([["seq", "at", "who", "action", "layer", "feature", "detail"]] + records.map {
                    [String($0.sequence), $0.at, $0.principal, $0.action, $0.layerID ?? "", $0.featureID.map(String.init) ?? "", $0.detail ?? ""]
                }))
            }
        }
    }
}
