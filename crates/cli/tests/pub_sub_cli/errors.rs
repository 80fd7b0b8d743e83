//! Exit statuses and errors.

use super::*;

// ---------------------------------------------------------------------------
// Exit statuses and errors
// ---------------------------------------------------------------------------

#[test]
fn refused_connection_exits_with_the_connack_code() {
    let b = Broker::with_config(|c| c.session.allow_empty_client_id = false);
    let port = b.port();
    let v311 = run(&["pub", "-p", &port, "-t", "a", "-m", "x"]);
    assert_eq!(v311.status.code(), Some(2));
    assert_eq!(
        text(&v311.stderr),
        "Connection error: Connection Refused: identifier rejected.\n"
    );
    let v5 = run(&["sub", "-p", &port, "-t", "a", "-V", "5"]);
    assert_eq!(v5.status.code(), Some(0x85));
    assert_eq!(
        text(&v5.stderr),
        "Connection error: Client Identifier not valid\n"
    );
    let quiet = run(&[
        "rr", "-p", &port, "-t", "a", "-e", "b", "-m", "x", "--quiet",
    ]);
    assert_eq!(quiet.status.code(), Some(0x85));
    assert!(quiet.stderr.is_empty());

    // MQTT 3.1 needs a client id: an explicitly empty one is refused.
    let open = Broker::start();
    let port = open.port();
    let v31 = run(&[
        "pub", "-p", &port, "-V", "31", "-i", "", "-t", "a", "-m", "x",
    ]);
    assert_eq!(v31.status.code(), Some(2));
    // Without -i a random one is made up, as libmosquitto does.
    let ok = run(&["pub", "-p", &port, "-V", "31", "-t", "a", "-m", "x"]);
    assert!(ok.status.success());
}

#[test]
fn connection_failure_is_one_line_and_status_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = run(&["pub", "-h", "127.0.0.1", "-p", &port, "-t", "a", "-m", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("Error: cannot connect to 127.0.0.1:"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn usage_errors_exit_1() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["pub", "-t", "a", "-m", "x", "-f", "file"],
            "Only one type of message can be sent at once.",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "-l"],
            "Only one type of message can be sent at once.",
        ),
        (
            &["pub", "-t", "a", "-l", "-s"],
            "Only one type of message can be sent at once.",
        ),
        (
            &["pub", "-t", "a"],
            "Both topic and message must be supplied.",
        ),
        (
            &["pub", "-m", "a"],
            "Both topic and message must be supplied.",
        ),
        (
            &["pub", "-t", "a/#", "-m", "x"],
            "Invalid publish topic 'a/#'",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "-q", "3"],
            "Invalid QoS given: 3",
        ),
        (&["pub", "-t", "a", "-m", "x", "--bogus"], "--bogus"),
        (
            &["pub", "-t", "a", "-m", "x", "-c"],
            "You must provide a client id if you are using the -c option.",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "-i", "a", "-I", "b"],
            "-i and -I argument cannot be used together.",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-D",
                "connect",
                "topic-alias",
                "3",
            ],
            "topic-alias property not allowed for connect",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-D",
                "publish",
                "user-property",
                "k",
            ],
            "not enough arguments",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-D",
                "publish",
                "message-expiry-interval",
                "abc",
            ],
            "Property value 'abc' not a number.",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-V",
                "311",
                "-D",
                "publish",
                "content-type",
                "c",
            ],
            "need MQTT v5",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "--will-payload", "p"],
            "Will payload given, but no will topic given.",
        ),
        (&["sub"], "You must specify a topic"),
        (
            &["sub", "-t", "a/#/b"],
            "Invalid subscription topic 'a/#/b'",
        ),
        (
            &["sub", "-t", "a", "-R", "--retained-only"],
            "Combining '-R' and '--retained-only' makes no sense.",
        ),
        (&["sub", "-t", "a", "-C", "0"], "Invalid message count"),
        (&["sub", "-t", "a", "-W", "0"], "Invalid timeout"),
        (
            &["sub", "-t", "a", "-F", "%k"],
            "Invalid format specifier 'k'.",
        ),
        (
            &["sub", "-t", "a", "-F", "%"],
            "Incomplete format specifier.",
        ),
        (
            &["sub", "-t", "a", "-F", "\\q"],
            "Invalid escape specifier 'q'.",
        ),
        (
            &["rr", "-t", "a", "-m", "x"],
            "All of topic, message, and response topic must be supplied.",
        ),
        (
            &["rr", "-t", "a", "-e", "b", "-m", "x", "-V", "311"],
            "needs MQTT v5",
        ),
    ];
    for (args, expected) in cases {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "midge {args:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(err.contains(expected), "midge {args:?}: {err}");
        assert!(!err.contains("panicked"), "midge {args:?}: {err}");
    }
}

#[test]
fn unsupported_transports_are_rejected() {
    let cases: &[(&[&str], &str)] = &[
        (&["--cafile", "ca.pem"], "TLS is not supported yet"),
        (&["--capath", "/etc/ssl"], "TLS is not supported yet"),
        (
            &["--cert", "c.pem", "--key", "k.pem"],
            "TLS is not supported yet",
        ),
        (&["--insecure"], "TLS is not supported yet"),
        (&["--tls-version", "tlsv1.3"], "TLS is not supported yet"),
        (&["--tls-use-os-certs"], "TLS is not supported yet"),
        (
            &["--psk", "00ff", "--psk-identity", "me"],
            "TLS-PSK is not supported yet",
        ),
        (&["--unix", "/tmp/mqtt.sock"], "not supported yet"),
        (&["--proxy", "socks5h://localhost"], "not supported yet"),
        (&["-A", "127.0.0.1"], "not supported yet"),
        (&["-L", "mqtts://localhost/t"], "TLS is not supported yet"),
    ];
    for tool in [
        &["pub", "-t", "a", "-m", "x"][..],
        &["sub", "-t", "a"],
        &["rr", "-t", "a", "-e", "b", "-m", "x"],
    ] {
        for (flags, expected) in cases {
            let mut args = tool.to_vec();
            args.extend_from_slice(flags);
            let out = run(&args);
            assert_eq!(out.status.code(), Some(1), "midge {args:?}");
            let err = text(&out.stderr);
            assert!(err.contains(expected), "midge {args:?}: {err}");
        }
    }
}

#[test]
fn help_and_version() {
    let help = run(&["pub", "--help"]);
    assert!(help.status.success());
    let help = text(&help.stdout);
    assert!(help.contains("-h, --host <HOST>"), "{help}");
    assert!(help.contains("-V, --protocol-version <VERSION>"));
    for args in [
        &["--version"][..],
        &["broker", "--version"],
        &["sub", "--version"],
    ] {
        let out = run(args);
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains(env!("CARGO_PKG_VERSION")),
            "{args:?}"
        );
    }
}

#[test]
fn debug_output_of_a_publish() {
    let b = Broker::start();
    let port = b.port();
    let q1 = run(&[
        "pub", "-p", &port, "-t", "d", "-m", "hello", "-q", "1", "-i", "dbg", "-d",
    ]);
    assert!(q1.status.success());
    assert_eq!(
        text(&q1.stdout),
        "Client dbg sending CONNECT\n\
         Client dbg received CONNACK (0)\n\
         Client dbg sending PUBLISH (d0, q1, r0, m1, 'd', ... (5 bytes))\n\
         Client dbg received PUBACK (Mid: 1, RC:0)\n\
         Client dbg sending DISCONNECT\n"
    );
    let q2 = run(&[
        "pub", "-p", &port, "-t", "d", "-m", "hi", "-q", "2", "-r", "-i", "dbg", "-d",
    ]);
    assert_eq!(
        text(&q2.stdout),
        "Client dbg sending CONNECT\n\
         Client dbg received CONNACK (0)\n\
         Client dbg sending PUBLISH (d0, q2, r1, m1, 'd', ... (2 bytes))\n\
         Client dbg received PUBREC (Mid: 1)\n\
         Client dbg sending PUBREL (m1)\n\
         Client dbg sending DISCONNECT\n"
    );
}
