//! Round trips.

use super::*;

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn round_trip_at_each_qos() {
    let b = Broker::start();
    for qos in ["0", "1", "2"] {
        let sub = Sub::start(&b, &["-t", "rt/#", "-q", qos, "-v", "-C", "2"]);
        publish(
            &b,
            &["-t", "rt/a", "-q", qos, "-m", &format!("hello {qos}")],
        );
        publish(&b, &["-t", "rt/b", "-q", qos, "-m", "bye"]);
        let (status, out, _) = sub.finish();
        assert!(status.success());
        assert_eq!(out, format!("rt/a hello {qos}\nrt/b bye\n"), "QoS {qos}");
    }
}

#[test]
fn round_trip_mqtt_5_and_3_1() {
    let b = Broker::start();
    let sub = Sub::start(&b, &["-t", "v/#", "-V", "5", "-q", "2", "-v", "-C", "2"]);
    publish(&b, &["-t", "v/5", "-V", "mqttv5", "-q", "2", "-m", "five"]);
    publish(
        &b,
        &["-t", "v/31", "-V", "31", "-q", "1", "-m", "three-one"],
    );
    let (status, out, _) = sub.finish();
    assert!(status.success());
    assert_eq!(out, "v/5 five\nv/31 three-one\n");
}

#[test]
fn plain_output_skips_empty_payloads_and_verbose_prints_null() {
    let b = Broker::start();
    let plain = Sub::start(&b, &["-t", "e", "-C", "3"]);
    let verbose = Sub::start(&b, &["-t", "e", "-C", "3", "-v"]);
    publish(&b, &["-t", "e", "-m", "a"]);
    publish(&b, &["-t", "e", "-n"]);
    publish(&b, &["-t", "e", "-m", "b"]);
    assert_eq!(plain.finish().1, "a\nb\n");
    assert_eq!(verbose.finish().1, "e a\ne (null)\ne b\n");
}

#[test]
fn no_end_of_line_with_n() {
    let b = Broker::start();
    publish(&b, &["-t", "n/1", "-m", "one", "-r"]);
    publish(&b, &["-t", "n/2", "-m", "two", "-r"]);
    let port = b.port();
    let out = run(&[
        "sub", "-p", &port, "-t", "n/1", "-t", "n/2", "-v", "-N", "-C", "2",
    ]);
    assert!(out.status.success());
    let got = text(&out.stdout);
    assert!(
        got == "n/1 onen/2 two" || got == "n/2 twon/1 one",
        "{got:?}"
    );
}

#[test]
fn publish_modes_file_stdin_null_and_repeat() {
    let b = Broker::start();
    let file = TempFile::new(b"from a file\nwith two lines");
    let sub = Sub::start(&b, &["-t", "m", "-C", "6", "-F", "%l:%p"]);
    let port = b.port();
    publish(&b, &["-t", "m", "-f", file.0.to_str().unwrap()]);
    let out = run_cmd(
        midge(&["pub", "-p", &port, "-t", "m", "-s"]),
        b"all of\nstdin",
    );
    assert!(out.status.success());
    publish(&b, &["-t", "m", "-n"]);
    publish(
        &b,
        &[
            "-t",
            "m",
            "-m",
            "again",
            "--repeat",
            "3",
            "--repeat-delay",
            "0.05",
        ],
    );
    let (status, out, _) = sub.finish();
    assert!(status.success());
    assert_eq!(
        out,
        "26:from a file\nwith two lines\n12:all of\nstdin\n0:\n5:again\n5:again\n5:again\n"
    );
}

#[test]
fn lines_from_stdin_are_all_delivered() {
    let b = Broker::start();
    let port = b.port();
    for qos in ["0", "1", "2"] {
        let sub = Sub::start(&b, &["-t", "lines", "-q", qos, "-C", "1000"]);
        let input: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
        let out = run_cmd(
            midge(&["pub", "-p", &port, "-t", "lines", "-l", "-q", qos]),
            input.as_bytes(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let (status, got, _) = sub.finish();
        assert!(status.success());
        assert_eq!(got, input, "QoS {qos}");
    }
}

#[test]
fn lines_keep_empty_lines_and_a_last_line_without_newline() {
    let b = Broker::start();
    let port = b.port();
    let sub = Sub::start(&b, &["-t", "l", "-C", "3", "-F", "[%p]"]);
    let out = run_cmd(midge(&["pub", "-p", &port, "-t", "l", "-l"]), b"a\n\nlast");
    assert!(out.status.success());
    assert_eq!(sub.finish().1, "[a]\n[]\n[last]\n");
}

#[test]
fn url_gives_host_port_and_topic() {
    let b = Broker::start();
    let url = format!("mqtt://127.0.0.1:{}/u/topic", b.port);
    let sub = Sub::spawn(midge(&["sub", "-d", "-L", &url, "-v", "-C", "1"]), true);
    let out = run(&["pub", "-L", &url, "-m", "via url"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sub.finish().1, "u/topic via url\n");
}
