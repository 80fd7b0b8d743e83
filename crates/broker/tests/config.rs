#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use midge_broker::config::{
    Config, ConfigError, ConfigErrorKind, KeepAliveConfig, Limits, ListenerConfig, LogConfig,
    QueueFullPolicy, ReloadPlan, RetainedConfig, SessionConfig,
};

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../midge.example.toml"
));

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml_str(text, Path::new("midge.toml"))
}

fn parse_err(text: &str) -> ConfigError {
    match parse(text) {
        Ok(config) => panic!("expected an error for {text:?}, got {config:?}"),
        Err(err) => err,
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn defaults() {
    let c = Config::default();
    assert_eq!(
        c.listeners,
        vec![ListenerConfig {
            bind: addr("127.0.0.1:1883")
        }]
    );
    assert_eq!(c.data_dir, PathBuf::from("./midge-data"));
    assert_eq!(c.log.level, "info");
    assert_eq!(c.connect_timeout_secs, 10);
    let l = &c.limits;
    assert_eq!(l.max_connections, 10_000);
    assert_eq!(l.max_packet_size, 1_048_576);
    assert_eq!(l.receive_maximum, 100);
    assert_eq!(l.max_inflight, 100);
    assert_eq!(l.max_queued_messages, 10_000);
    assert_eq!(l.max_queued_bytes, 64 * 1024 * 1024);
    assert!(!l.queue_qos0_offline);
    assert_eq!(l.queue_full_policy, QueueFullPolicy::DropNew);
    assert_eq!(l.max_topic_length, 65_535);
    assert_eq!(l.max_topic_levels, 128);
    assert_eq!(l.max_subscriptions_per_client, 1000);
    assert_eq!(l.topic_alias_maximum, 32);
    assert_eq!(l.maximum_qos, 2);
    assert_eq!(c.keep_alive.max_secs, 0);
    assert!(c.keep_alive.allow_zero);
    assert_eq!(c.session.max_expiry_secs, 0xFFFF_FFFF);
    assert!(c.session.allow_empty_client_id);
    assert!(c.retained.enabled);
    assert_eq!(c.retained.max_messages, 100_000);
    assert_eq!(c.retained.max_bytes, 256 * 1024 * 1024);
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn empty_file_is_defaults() {
    assert_eq!(parse("").unwrap(), Config::default());
    assert_eq!(parse("# nothing\n\n").unwrap(), Config::default());
}

#[test]
fn empty_sections_are_defaults() {
    let text = "[log]\n[limits]\n[keep_alive]\n[session]\n[retained]\n";
    assert_eq!(parse(text).unwrap(), Config::default());
}

#[test]
fn partial_section_keeps_other_defaults() {
    let c = parse("[limits]\nmax_inflight = 5\n").unwrap();
    assert_eq!(
        c.limits,
        Limits {
            max_inflight: 5,
            ..Limits::default()
        }
    );
    assert_eq!(
        Config {
            limits: Limits::default(),
            ..c
        },
        Config::default()
    );
}

#[test]
fn example_file_is_defaults() {
    let c = Config::from_toml_str(EXAMPLE, Path::new("midge.example.toml")).unwrap();
    assert_eq!(c, Config::default());
}

#[test]
fn example_file_loads_from_disk() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../midge.example.toml"
    ));
    assert_eq!(Config::load(path).unwrap(), Config::default());
}

#[test]
fn example_file_sets_every_key() {
    let table: toml::Table = toml::from_str(EXAMPLE).unwrap();
    let top = [
        "listeners",
        "data_dir",
        "log",
        "limits",
        "keep_alive",
        "session",
        "retained",
        "connect_timeout_secs",
    ];
    for key in top {
        assert!(table.contains_key(key), "example lacks {key}");
    }
    assert_eq!(table.len(), top.len());
    let sections: [(&str, &[&str]); 5] = [
        ("log", &["level"]),
        (
            "limits",
            &[
                "max_connections",
                "max_packet_size",
                "receive_maximum",
                "max_inflight",
                "max_queued_messages",
                "max_queued_bytes",
                "queue_qos0_offline",
                "queue_full_policy",
                "max_topic_length",
                "max_topic_levels",
                "max_subscriptions_per_client",
                "topic_alias_maximum",
                "maximum_qos",
            ],
        ),
        ("keep_alive", &["max_secs", "allow_zero"]),
        ("session", &["max_expiry_secs", "allow_empty_client_id"]),
        ("retained", &["enabled", "max_messages", "max_bytes"]),
    ];
    for (section, keys) in sections {
        let t = table[section].as_table().unwrap();
        for key in keys {
            assert!(t.contains_key(*key), "example lacks {section}.{key}");
        }
        assert_eq!(t.len(), keys.len(), "{section} has unexpected keys");
    }
    let listeners = table["listeners"].as_array().unwrap();
    assert_eq!(listeners.len(), 1);
    assert!(listeners[0].as_table().unwrap().contains_key("bind"));
}

const FULL: &str = r#"
data_dir = "/var/lib/midge"
connect_timeout_secs = 3

[[listeners]]
bind = "0.0.0.0:1883"

[[listeners]]
bind = "[::]:8883"

[log]
level = "info,midge_broker=debug"

[limits]
max_connections = 50
max_packet_size = 65536
receive_maximum = 10
max_inflight = 20
max_queued_messages = 30
max_queued_bytes = 4096
queue_qos0_offline = true
queue_full_policy = "drop-oldest"
max_topic_length = 256
max_topic_levels = 8
max_subscriptions_per_client = 0
topic_alias_maximum = 0
maximum_qos = 1

[keep_alive]
max_secs = 600
allow_zero = false

[session]
max_expiry_secs = 3600
allow_empty_client_id = false

[retained]
enabled = false
max_messages = 0
max_bytes = 0
"#;

#[test]
fn full_custom_file() {
    let c = parse(FULL).unwrap();
    let expected = Config {
        listeners: vec![
            ListenerConfig {
                bind: addr("0.0.0.0:1883"),
            },
            ListenerConfig {
                bind: addr("[::]:8883"),
            },
        ],
        data_dir: PathBuf::from("/var/lib/midge"),
        log: LogConfig {
            level: "info,midge_broker=debug".to_owned(),
        },
        limits: Limits {
            max_connections: 50,
            max_packet_size: 65536,
            receive_maximum: 10,
            max_inflight: 20,
            max_queued_messages: 30,
            max_queued_bytes: 4096,
            queue_qos0_offline: true,
            queue_full_policy: QueueFullPolicy::DropOldest,
            max_topic_length: 256,
            max_topic_levels: 8,
            max_subscriptions_per_client: 0,
            topic_alias_maximum: 0,
            maximum_qos: 1,
        },
        keep_alive: KeepAliveConfig {
            max_secs: 600,
            allow_zero: false,
        },
        session: SessionConfig {
            max_expiry_secs: 3600,
            allow_empty_client_id: false,
        },
        retained: RetainedConfig {
            enabled: false,
            max_messages: 0,
            max_bytes: 0,
        },
        connect_timeout_secs: 3,
    };
    assert_eq!(c, expected);
}

#[test]
fn inline_and_dotted_forms() {
    let c = parse(
        "listeners = [{ bind = \"10.0.0.1:1883\" }]\nlimits.max_inflight = 7\nlog = { level = \
         \"warn\" }\n",
    )
    .unwrap();
    assert_eq!(c.listeners[0].bind, addr("10.0.0.1:1883"));
    assert_eq!(c.limits.max_inflight, 7);
    assert_eq!(c.log.level, "warn");
}

#[test]
fn ipv6_listener() {
    let c = parse("[[listeners]]\nbind = \"[::1]:1883\"\n").unwrap();
    assert_eq!(c.listeners.len(), 1);
    assert_eq!(c.listeners[0].bind, addr("[::1]:1883"));
    assert!(c.listeners[0].bind.is_ipv6());
}

#[test]
fn multiple_listeners() {
    let c = parse(
        "[[listeners]]\nbind = \"127.0.0.1:1883\"\n\n[[listeners]]\nbind = \
         \"127.0.0.1:1884\"\n\n[[listeners]]\nbind = \"[::1]:1883\"\n",
    )
    .unwrap();
    let binds: Vec<_> = c.listeners.iter().map(|l| l.bind).collect();
    assert_eq!(
        binds,
        vec![
            addr("127.0.0.1:1883"),
            addr("127.0.0.1:1884"),
            addr("[::1]:1883")
        ]
    );
}

#[test]
fn listeners_replace_default() {
    let c = parse("[[listeners]]\nbind = \"0.0.0.0:1883\"\n").unwrap();
    assert_eq!(c.listeners.len(), 1);
    assert_eq!(c.listeners[0].bind, addr("0.0.0.0:1883"));
}

#[test]
fn log_directives() {
    for level in [
        "error",
        "warn",
        "info",
        "debug",
        "trace",
        "off",
        "INFO",
        "info,midge_broker=debug",
        "warn, midge_broker::router=trace ,tokio=off",
    ] {
        let text = format!("[log]\nlevel = {level:?}\n");
        assert_eq!(parse(&text).unwrap().log.level, level);
    }
}

#[test]
fn bad_log_levels() {
    for level in [
        "",
        "verbose",
        "info,",
        "midge_broker=loud",
        "=debug",
        "info,midge broker=debug",
    ] {
        let text = format!("# log\n[log]\nlevel = {level:?}\n");
        let err = parse_err(&text);
        assert_eq!(err.kind(), ConfigErrorKind::Invalid, "{level:?}");
        assert_eq!(err.key(), Some("log.level"), "{level:?}");
        assert_eq!(err.line(), Some(3), "{level:?}");
        assert!(err.message().contains("log.level"), "{err}");
    }
}

#[test]
fn unknown_key_names_line_and_key() {
    let err = parse_err("[limits]\nmax_inflight = 5\nmax_bananas = 3\n");
    assert_eq!(err.kind(), ConfigErrorKind::Parse);
    assert_eq!(err.line(), Some(3));
    assert_eq!(err.column(), Some(1));
    assert_eq!(err.key(), Some("limits.max_bananas"));
    let shown = err.to_string();
    assert!(shown.starts_with("midge.toml:3:1: "), "{shown}");
    assert!(shown.contains("max_bananas"), "{shown}");
    assert!(
        shown.contains("max_inflight"),
        "lists expected keys: {shown}"
    );
}

#[test]
fn unknown_top_level_key() {
    let err = parse_err("data_dir = \"x\"\n\nport = 1883\n");
    assert_eq!(err.line(), Some(3));
    assert_eq!(err.key(), Some("port"));
}

#[test]
fn unknown_section() {
    let err = parse_err("[log]\nlevel = \"info\"\n\n[tls]\ncert = \"a.pem\"\n");
    assert_eq!(err.line(), Some(4));
    assert_eq!(err.key().unwrap(), "tls");
}

#[test]
fn unknown_key_in_listener() {
    let err = parse_err(
        "[[listeners]]\nbind = \"127.0.0.1:1883\"\n[[listeners]]\nbind = \
         \"127.0.0.1:1884\"\nprotocol = \"ws\"\n",
    );
    assert_eq!(err.line(), Some(5));
    assert_eq!(err.key(), Some("listeners[1].protocol"));
}

#[test]
fn wrong_type_names_line() {
    let err = parse_err("[limits]\n\nmax_packet_size = \"big\"\n");
    assert_eq!(err.kind(), ConfigErrorKind::Parse);
    assert_eq!(err.line(), Some(3));
    assert_eq!(err.key(), Some("limits.max_packet_size"));
    assert!(err.to_string().starts_with("midge.toml:3:"), "{err}");

    let err = parse_err("connect_timeout_secs = true\n");
    assert_eq!(err.line(), Some(1));
    assert_eq!(err.key(), Some("connect_timeout_secs"));

    let err = parse_err("[keep_alive]\nallow_zero = 1\n");
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.key(), Some("keep_alive.allow_zero"));
}

#[test]
fn integer_overflowing_its_type() {
    let err = parse_err("[limits]\nmaximum_qos = 300\n");
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.key(), Some("limits.maximum_qos"));
    let err = parse_err("[limits]\nreceive_maximum = -1\n");
    assert_eq!(err.line(), Some(2));
}

#[test]
fn bad_queue_full_policy() {
    let err = parse_err("[limits]\nqueue_full_policy = \"drop-random\"\n");
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.key(), Some("limits.queue_full_policy"));
    assert!(err.message().contains("drop-oldest"), "{err}");
}

#[test]
fn bad_listener_address() {
    let err = parse_err("[[listeners]]\nbind = \"localhost\"\n");
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.key(), Some("listeners[0].bind"));
    assert!(err.message().contains("[::1]:1883"), "{err}");
}

#[test]
fn toml_syntax_error_has_position() {
    let err = parse_err("[limits]\nmax_inflight = = 3\n");
    assert_eq!(err.kind(), ConfigErrorKind::Parse);
    assert_eq!(err.line(), Some(2));
    assert!(err.to_string().starts_with("midge.toml:2:"), "{err}");
    assert!(!err.to_string().contains('\n'), "{err}");
}

/// Each validated key, a bad value, and a fragment of the allowed range.
const OUT_OF_RANGE: &[(&str, &str, &str, &str)] = &[
    ("", "connect_timeout_secs", "0", "at least 1"),
    ("limits", "max_connections", "0", "at least 1"),
    (
        "limits",
        "max_packet_size",
        "10",
        "between 64 and 268435455",
    ),
    (
        "limits",
        "max_packet_size",
        "63",
        "between 64 and 268435455",
    ),
    (
        "limits",
        "max_packet_size",
        "268435456",
        "between 64 and 268435455",
    ),
    ("limits", "receive_maximum", "0", "at least 1"),
    ("limits", "max_inflight", "0", "at least 1"),
    ("limits", "max_queued_messages", "0", "at least 1"),
    ("limits", "max_queued_bytes", "0", "at least 1"),
    ("limits", "max_topic_length", "0", "between 1 and 65535"),
    ("limits", "max_topic_length", "65536", "between 1 and 65535"),
    ("limits", "max_topic_levels", "0", "at least 1"),
    ("limits", "maximum_qos", "3", "between 0 and 2"),
];

#[test]
fn out_of_range_values_name_key_and_line() {
    for &(table, key, value, allowed) in OUT_OF_RANGE {
        // Put the key on line 5, after a comment, some other keys and a
        // decoy with the same name in another table.
        let text = if table.is_empty() {
            format!("# comment\ndata_dir = \"d\"\n\n\n{key} = {value}\n[log]\nlevel = \"info\"\n")
        } else {
            format!(
                "[retained]\nmax_messages = 0\n\n[{table}]\n{key} = {value}\n[log]\nlevel = \
                 \"info\"\n"
            )
        };
        let dotted = if table.is_empty() {
            key.to_owned()
        } else {
            format!("{table}.{key}")
        };
        let err = parse_err(&text);
        assert_eq!(err.kind(), ConfigErrorKind::Invalid, "{dotted}");
        assert_eq!(err.key(), Some(dotted.as_str()), "{err}");
        assert_eq!(err.line(), Some(5), "{err}");
        assert_eq!(err.column(), Some(1), "{err}");
        assert_eq!(
            err.to_string(),
            format!("midge.toml:5:1: {dotted} = {value} is out of range: must be {allowed}")
        );
    }
}

#[test]
fn boundary_values_are_accepted() {
    let c = parse(
        "connect_timeout_secs = 1\n[limits]\nmax_connections = 1\nmax_packet_size = \
         64\nreceive_maximum = 1\nmax_inflight = 1\nmax_queued_messages = \
         1\nmax_queued_bytes = 1\nmax_topic_length = 1\nmax_topic_levels = 1\nmaximum_qos = 0\n",
    )
    .unwrap();
    assert_eq!(c.limits.max_packet_size, 64);
    let c =
        parse("[limits]\nmax_packet_size = 268435455\nmax_topic_length = 65535\nmaximum_qos = 2\n")
            .unwrap();
    assert_eq!(c.limits.max_packet_size, 268_435_455);
}

#[test]
fn indented_key_column() {
    let err = parse_err("[limits]\n    max_inflight = 0\n");
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.column(), Some(5));
}

#[test]
fn dotted_key_out_of_range_is_located() {
    let err = parse_err("data_dir = \"x\"\nlimits.max_inflight = 0\n");
    assert_eq!(err.key(), Some("limits.max_inflight"));
    assert_eq!(err.line(), Some(2));
}

#[test]
fn duplicate_listener() {
    let err = parse_err(
        "[[listeners]]\nbind = \"127.0.0.1:1883\"\n\n[[listeners]]\nbind = \
         \"0.0.0.0:1883\"\n\n[[listeners]]\nbind = \"127.0.0.1:1883\"\n",
    );
    assert_eq!(err.kind(), ConfigErrorKind::Invalid);
    assert_eq!(err.key(), Some("listeners[2].bind"));
    assert_eq!(err.line(), Some(8));
    assert!(err.message().contains("listeners[0]"), "{err}");
    assert!(err.message().contains("127.0.0.1:1883"), "{err}");
}

#[test]
fn duplicate_ipv6_listener() {
    let err = parse_err("listeners = [{ bind = \"[::1]:1883\" }, { bind = \"[0:0::1]:1883\" }]\n");
    assert_eq!(err.key(), Some("listeners[1].bind"));
    assert_eq!(err.line(), Some(1));
}

#[test]
fn empty_listeners() {
    let err = parse_err("data_dir = \"x\"\nlisteners = []\n");
    assert_eq!(err.kind(), ConfigErrorKind::Invalid);
    assert_eq!(err.key(), Some("listeners"));
    assert_eq!(err.line(), Some(2));
}

#[test]
fn validate_programmatic_config() {
    let mut c = Config::default();
    c.limits.maximum_qos = 5;
    let (key, message) = c.validate().unwrap_err();
    assert_eq!(key, "limits.maximum_qos");
    assert!(message.contains("between 0 and 2"), "{message}");
}

#[test]
fn display_format() {
    let err = parse_err("\n\n[limits]\n\n\n\n\n\n\n\n\nmax_packet_size = 10\n");
    assert_eq!(
        err.to_string(),
        "midge.toml:12:1: limits.max_packet_size = 10 is out of range: must be between 64 and \
         268435455"
    );
    let err = Config::from_toml_str("nope = 1", Path::new("/etc/midge/midge.toml")).unwrap_err();
    assert!(
        err.to_string().starts_with("/etc/midge/midge.toml:1:1: "),
        "{err}"
    );
    assert_eq!(err.file(), Path::new("/etc/midge/midge.toml"));
}

#[test]
fn load_missing_file_names_it() {
    let path = Path::new("/nonexistent/midge-test/midge.toml");
    let err = Config::load(path).unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::Read);
    assert_eq!(err.line(), None);
    assert_eq!(err.key(), None);
    assert!(
        err.to_string()
            .starts_with("/nonexistent/midge-test/midge.toml: "),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn reload_no_change() {
    let c = Config::default();
    let plan = c.reload(&c.clone());
    assert_eq!(plan, ReloadPlan::default());
    assert!(plan.is_empty());
}

#[test]
fn reload_plan_classification() {
    let old = Config::default();
    let new = parse(FULL).unwrap();
    let plan = old.reload(&new);
    let mut applied = plan.applied.clone();
    applied.sort();
    let mut expected_applied = vec![
        "log.level",
        "limits.max_connections",
        "limits.max_packet_size",
        "limits.receive_maximum",
        "limits.max_inflight",
        "limits.max_queued_messages",
        "limits.max_queued_bytes",
        "limits.queue_qos0_offline",
        "limits.queue_full_policy",
        "limits.max_topic_length",
        "limits.max_topic_levels",
        "limits.max_subscriptions_per_client",
        "limits.topic_alias_maximum",
        "limits.maximum_qos",
        "keep_alive.max_secs",
        "keep_alive.allow_zero",
        "session.max_expiry_secs",
        "session.allow_empty_client_id",
        "retained.max_messages",
        "retained.max_bytes",
        "connect_timeout_secs",
    ];
    expected_applied.sort_unstable();
    assert_eq!(applied, expected_applied);
    let mut restart = plan.needs_restart.clone();
    restart.sort();
    assert_eq!(restart, vec!["data_dir", "listeners", "retained.enabled"]);
    assert!(!plan.is_empty());
}

#[test]
fn reload_single_changes() {
    let old = Config::default();

    let mut new = old.clone();
    new.limits.max_inflight = 1;
    assert_eq!(
        old.reload(&new),
        ReloadPlan {
            applied: vec!["limits.max_inflight".to_owned()],
            needs_restart: vec![],
        }
    );

    let mut new = old.clone();
    new.listeners.push(ListenerConfig {
        bind: addr("[::1]:1883"),
    });
    assert_eq!(
        old.reload(&new),
        ReloadPlan {
            applied: vec![],
            needs_restart: vec!["listeners".to_owned()],
        }
    );

    let mut new = old.clone();
    new.retained.enabled = false;
    new.retained.max_bytes = 1;
    new.log.level = "debug".to_owned();
    let plan = old.reload(&new);
    assert_eq!(plan.needs_restart, vec!["retained.enabled".to_owned()]);
    assert!(plan.applied.contains(&"retained.max_bytes".to_owned()));
    assert!(plan.applied.contains(&"log.level".to_owned()));
    assert_eq!(plan.applied.len(), 2);
}
