use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;
use testkit::{Outcome, run_within};

/// Runs wget with `hosts`; fails the test if it has not ended within a limit that is well
/// above wget's own 10 s per host.
fn wget(hosts: &[&str]) -> Outcome {
    run_within(env!("CARGO_BIN_EXE_wget"), hosts, Duration::from_secs(30))
}

/// A host on `addr` (port 0) that reads one request head, then calls `reply` on the
/// connection. Returns its address as wget takes it, and the thread to join.
fn one_shot_host(addr: &str, reply: fn(TcpStream)) -> (String, JoinHandle<()>) {
    let server = TcpListener::bind(addr).expect("listen for wget");
    let addr = server
        .local_addr()
        .expect("the address listened on")
        .to_string();
    let host = thread::spawn(move || {
        let (stream, _) = server.accept().expect("wget connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("a read deadline");
        stream
            .set_write_timeout(Some(Duration::from_secs(20)))
            .expect("a write deadline");
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).expect("wget's request") > 0 && line.trim_end() != "" {
            line.clear();
        }
        reply(reader.into_inner());
    });
    (addr, host)
}

fn answers_ok(mut stream: TcpStream) {
    let reply = b"HTTP/1.1 200 OK\r\nX-Test: yes\r\n\r\nbody";
    stream.write_all(reply).expect("send the answer");
}

/// With no arguments, wget fetches from its own three local hosts at once: every one
/// answers with a status line, and they are done in the order of their delays (100, 200,
/// then 300 ms), not in the order they were asked, which a one-by-one fetch would give.
#[test]
fn wget_fetches_every_local_host_at_once() {
    let out = wget(&[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout;
    assert_eq!(
        testkit::line(&text, "local hosts answer after "),
        "local hosts answer after [300, 100, 200] ms: 600 ms one after another"
    );
    let asked: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("wget ")?.strip_suffix("..."))
        .collect();
    assert_eq!(asked.len(), 3, "{text}");
    for host in &asked {
        let status = format!("{host} header > HTTP/1.1 200 OK\n");
        assert!(text.contains(&status), "{text}");
    }
    let done: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("Done ")?.strip_suffix('.'))
        .collect();
    assert_eq!(done, [asked[1], asked[2], asked[0]], "{text}");
    let took: f64 = testkit::line_after(&text, "wget: 3 of 3 hosts answered in ")
        .trim_end_matches(" s")
        .parse()
        .unwrap();
    assert!(took >= 0.3, "{text}");
}

/// A host that refuses the connection gets an error line and wget exits 1, while the host
/// that answers is still fetched in full.
#[test]
fn wget_reports_a_refused_host_and_still_fetches_the_others() {
    let (good, host) = one_shot_host("127.0.0.1:0", answers_ok);
    // A port that was free a moment ago and has no listener now: connecting is refused.
    let refused = {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        closed.local_addr().unwrap().to_string()
    };
    let out = wget(&[&refused, &good]);
    host.join().unwrap();
    assert_eq!(out.code, Some(1), "{out:?}");
    let text = &out.stdout;
    assert!(
        text.contains(&format!("{good} header > HTTP/1.1 200 OK\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{good} header > X-Test: yes\n")),
        "{text}"
    );
    assert!(text.contains(&format!("Done {good}.\n")), "{text}");
    assert!(!text.contains(&format!("Done {refused}.")), "{text}");
    assert!(text.contains("wget: 1 of 2 hosts answered in "), "{text}");
    assert!(
        out.stderr
            .starts_with(&format!("error: wget {refused}: Connection refused")),
        "{out:?}"
    );
}

/// A host that sends 10 MB without a line break is not answering HTTP: wget stops reading
/// after 64 KiB, says so, and does not count it as answered.
#[test]
fn a_host_sending_ten_megabytes_without_a_line_break_is_not_answered() {
    let (addr, host) = one_shot_host("127.0.0.1:0", |mut stream| {
        // wget hangs up after 64 KiB: the rest of the write fails, as it should.
        let _ = stream.write_all(&vec![b'x'; 10 << 20]);
    });
    let out = wget(&[&addr]);
    host.join().unwrap();
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(!out.stdout.contains("Done"), "{out:?}");
    assert!(
        out.stdout.contains("wget: 0 of 1 hosts answered"),
        "{out:?}"
    );
    let error = format!("error: wget {addr}: no end of the headers in the first 65536 bytes\n");
    assert!(out.stderr.starts_with(&error), "{out:?}");
}

/// A host that closes the connection in the middle of its headers did not answer either.
#[test]
fn a_host_closing_before_the_end_of_its_headers_is_not_answered() {
    let (addr, host) = one_shot_host("127.0.0.1:0", |mut stream| {
        stream.write_all(b"HTTP/1.1 200 OK\r\nX-Test: ye").unwrap();
    });
    let out = wget(&[&addr]);
    host.join().unwrap();
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(!out.stdout.contains("Done"), "{out:?}");
    let error =
        format!("error: wget {addr}: the connection closed before the end of the headers\n");
    assert!(out.stderr.starts_with(&error), "{out:?}");
}

/// An IPv6 address with a port goes in brackets, as in a URL: `[::1]:PORT`.
#[test]
fn a_bracketed_ipv6_host_and_port_is_fetched() {
    let (addr, host) = one_shot_host("[::1]:0", answers_ok);
    assert!(addr.starts_with("[::1]:"), "{addr}");
    let out = wget(&[&addr]);
    host.join().unwrap();
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("{addr} header > X-Test: yes\n")),
        "{out:?}"
    );
    assert!(out.stdout.contains(&format!("Done {addr}.\n")), "{out:?}");
}

/// A host that cannot be parsed gets its own error line; a name without a port is taken
/// (for port 80), whatever that port then says.
#[test]
fn hosts_that_cannot_be_parsed_are_named_in_an_error() {
    let out = wget(&["[::1]x", "[::1", "localhost:http", "localhost"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let errors = out.stderr;
    for expected in [
        "error: wget [::1]x: after the name only :PORT may follow, not x\n",
        "error: wget [::1: no ] after [\n",
        "error: wget localhost:http: port http: invalid digit found in string\n",
    ] {
        assert!(errors.contains(expected), "{expected:?} not in {errors}");
    }
    let bare = errors
        .lines()
        .find(|l| l.starts_with("error: wget localhost: "));
    assert!(
        bare.is_none_or(|l| !l.contains("PORT") && !l.contains("port")),
        "{errors}"
    );
}
