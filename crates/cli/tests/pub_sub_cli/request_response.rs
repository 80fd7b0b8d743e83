//! Request / response.

use super::*;

// ---------------------------------------------------------------------------
// Request / response
// ---------------------------------------------------------------------------

/// Answers one request on `req`: "pong:" + the request, to its Response
/// Topic, with its Correlation Data.
fn responder(b: &Broker) -> tokio::task::JoinHandle<()> {
    let port = b.port;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let handle = b.rt.spawn(async move {
        let (client, mut events, _) =
            Client::connect(ConnectOptions::new("127.0.0.1", port).client_id("responder"))
                .await
                .unwrap();
        client.subscribe("req", QoS::AtLeastOnce).await.unwrap();
        ready_tx.send(()).unwrap();
        let request = events.next_message().await.unwrap();
        let reply_to = request.properties.response_topic.clone().unwrap();
        let mut payload = b"pong:".to_vec();
        payload.extend_from_slice(&request.payload);
        let mut reply = Publish::new(reply_to, Bytes::from(payload));
        reply.qos = QoS::AtLeastOnce;
        reply.properties.correlation_data = request.properties.correlation_data.clone();
        client.publish(reply).await.unwrap();
        client.disconnect().await.unwrap();
    });
    ready_rx.recv_timeout(PATIENCE).unwrap();
    handle
}

#[test]
fn request_response() {
    let b = Broker::start();
    let port = b.port();
    let answered = responder(&b);
    let out = run(&[
        "rr",
        "-p",
        &port,
        "-t",
        "req",
        "-e",
        "resp/me",
        "-m",
        "ping",
        "-q",
        "1",
        "-W",
        "10",
        "-D",
        "publish",
        "correlation-data",
        "c-42",
        "-F",
        "%t %p %D",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "resp/me pong:ping c-42\n");
    b.rt.block_on(answered).unwrap();

    // Nobody answers: -W expires with status 27.
    let out = run(&[
        "rr", "-p", &port, "-t", "req", "-e", "resp/me", "-m", "ping", "-W", "1",
    ]);
    assert_eq!(out.status.code(), Some(27));
    assert_eq!(text(&out.stderr), "Timed out\n");
}

#[test]
fn request_response_with_verbose_output() {
    let b = Broker::start();
    let port = b.port();
    let answered = responder(&b);
    let out = run(&[
        "rr", "-p", &port, "-t", "req", "-e", "r/v", "-m", "x", "-v", "-W", "10",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "r/v pong:x\n");
    b.rt.block_on(answered).unwrap();
}
