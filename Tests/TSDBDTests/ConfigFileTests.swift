import Foundation
import Testing

/// `--config FILE`: flag defaults and per-database rollups from TOML; flags win.
@Suite(.serialized) struct ConfigFileTests {
    @Test func configSetsDefaultsAndPerDatabaseRollups() throws {
        let dir = RealAgent.tempDir("cfg")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let toml = """
            # tsdbd configuration
            max-tags-per-point = 2          # from the file
            max-body-size = 10              # overridden by the flag below
            rollup-levels = "5m,1h"
            accounting-interval = 'off'

            [database.cfg]
            rollup-levels = "1h"
            retention = "raw=3650d"
            measurement-levels = ["^skip=none"]
            """
        try toml.write(toFile: dir + "/tsdbd.toml", atomically: true, encoding: .utf8)
        let d = try Daemon(extraArgs: ["--config", dir + "/tsdbd.toml", "--max-body-size", "1000000"])
        defer { d.stop(); d.removeData() }
        let w = try HTTP.request(port: d.port, "POST", "/write?db=cfg&precision=s",
                                 text: "m,a=1 v=1 1767225600\nm,a=1,b=2,c=3 v=2 1767225600\nskip v=1 1767225600\n")
        #expect(w.status == 400 && w.body.contains("dropped=1"), "the file's tag limit applies: \(w.body)")
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=other&precision=s", text: "m v=1 1767225600\n").status == 204)
        #expect(try HTTP.request(port: d.port, "POST", "/api/v1/admin/flush").status == 200)
        let stats = try HTTP.request(port: d.port, "GET", "/api/v1/stats").body
        let cfg = stats.components(separatedBy: #"{"name":"cfg""#).last ?? ""
        #expect(cfg.contains(#""name":"1h""#) && !cfg.prefix(while: { $0 != "]" }).contains(#""name":"5m""#), "\(stats)")
        #expect(stats.contains(#""name":"5m""#), "other databases keep the default levels: \(stats)")
    }

    /// One setting from all three places: the flag wins over TSDBD_*, which wins over the file.
    @Test func flagsWinOverEnvironmentWhichWinsOverTheFile() throws {
        let dir = RealAgent.tempDir("cfgprec")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "max-tags-per-point = 1\n".write(toFile: dir + "/t.toml", atomically: true, encoding: .utf8)
        let twoTags = "m,a=1,b=2 v=1 1767225600\n", threeTags = "m,a=1,b=2,c=3 v=1 1767225600\n"
        for (env, flags, allowed) in [([String: String](), [String](), 1), (["TSDBD_MAX_TAGS_PER_POINT": "2"], [], 2),
                                      (["TSDBD_MAX_TAGS_PER_POINT": "2"], ["--max-tags-per-point", "3"], 3)] {
            let d = try Daemon(extraArgs: ["--config", dir + "/t.toml", "--accounting-interval", "off"] + flags, environment: env)
            defer { d.stop(); d.removeData() }
            let two = try HTTP.request(port: d.port, "POST", "/write?db=p&precision=s", text: twoTags).status
            let three = try HTTP.request(port: d.port, "POST", "/write?db=p&precision=s", text: threeTags).status
            #expect(two == (allowed >= 2 ? 204 : 400) && three == (allowed >= 3 ? 204 : 400), "\(env) \(flags): \(two) \(three)")
        }
    }

    @Test func badConfigIsRefused() throws {
        let dir = RealAgent.tempDir("cfgbad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "no-such-flag = 1\n".write(toFile: dir + "/a.toml", atomically: true, encoding: .utf8)
        try "[database.x]\nrollup-levels = \"7m,1h\"\n".write(toFile: dir + "/b.toml", atomically: true, encoding: .utf8)
        for (file, text) in [("a.toml", "unknown key 'no-such-flag'"), ("b.toml", "multiple of 7m")] {
            let r = try RealAgent.run(Daemon.binary, ["--config", dir + "/" + file, "--data-dir", dir + "/data"], timeout: 30)
            #expect(r.status != 0 && r.output.contains(text), "\(file): \(r.output)")
        }
        for tiers in ["3h", "1d,12h", "2h", "soon"] {
            let r = try RealAgent.run(Daemon.binary, ["--compaction-tiers", tiers, "--data-dir", dir + "/data"], timeout: 30)
            #expect(r.status != 0 && r.output.contains("--compaction-tiers: '"), "\(tiers): \(r.output)")
        }
    }
}
