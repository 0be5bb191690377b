//! The real servers the push and pack tests start: Debian's Prometheus 2.42 (with its
//! remote-write receiver), Pushgateway and VictoriaMetrics, each on a free port on 127.0.0.1 in
//! a temporary folder, killed by process id when dropped; and a plain HTTP GET to read them
//! back (and a POST to feed one a file).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A receiver process, killed by process id when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) port: u16,
    pub(crate) _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A plain HTTP/1.0 GET on 127.0.0.1 (no client library: the tests read back independently).
pub(crate) fn http_get(port: u16, path_and_query: &str) -> (u16, String) {
    http_request(port, "GET", path_and_query, None)
}

/// A plain HTTP/1.0 POST of `body` (with its content type) on 127.0.0.1.
pub(crate) fn http_post(
    port: u16,
    path_and_query: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String) {
    http_request(port, "POST", path_and_query, Some((content_type, body)))
}

fn http_request(
    port: u16,
    method: &str,
    path_and_query: &str,
    body: Option<(&str, &[u8])>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut request = format!("{method} {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1\r\n");
    if let Some((content_type, body)) = body {
        request.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    if let Some((_, body)) = body {
        stream.write_all(body).unwrap();
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

pub(crate) fn query_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn start(program: &str, args: &[String], dir: tempfile::TempDir, port: u16) -> Server {
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let child = Command::new(program)
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("`{program}` is required (Debian packages prometheus, prometheus-pushgateway, victoria-metrics; .ci/run installs them): {e}")
        });
    let server = Server {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && http_get(port, "/-/ready").0 == 200 {
            return server;
        }
        assert!(Instant::now() < deadline, "{program} did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn prometheus() -> Server {
    prometheus_with_config("global: {scrape_interval: 1h}\nscrape_configs: []\n")
}

/// Prometheus with this configuration (rule files and scrape targets given by absolute path or
/// URL), its remote-write receiver on, and a TSDB of its own.
pub(crate) fn prometheus_with_config(config: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let args = vec![
        format!(
            "--config.file={}",
            dir.path().join("prometheus.yml").display()
        ),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--web.enable-remote-write-receiver".to_string(),
    ];
    start("prometheus", &args, dir, port)
}

pub(crate) fn pushgateway() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // An empty persistence file: Debian's packaged default would share state between tests.
    let args = vec![
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--persistence.file=".to_string(),
    ];
    start("prometheus-pushgateway", &args, dir, port)
}

/// Debian's single-node VictoriaMetrics with a storage folder of its own. Just-written samples
/// are queryable at once: no 30 s latency offset and no response cache (a test that reads back
/// right after writing would otherwise see nothing or a stale answer). A retention of one day:
/// the tests write samples of now.
pub(crate) fn victoria_metrics() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let args = vec![
        format!("-storageDataPath={}", dir.path().join("data").display()),
        format!("-httpListenAddr=127.0.0.1:{port}"),
        "-retentionPeriod=1d".to_string(),
        "-search.latencyOffset=0s".to_string(),
        "-search.disableCache".to_string(),
    ];
    start("victoria-metrics", &args, dir, port)
}
