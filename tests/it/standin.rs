//! One stand-in HTTP/1.1 server for every test that needs one on 127.0.0.1: the GitHub REST API
//! model, the scripted push receivers and the release download server. It parses each request
//! (method, path, headers, body), records it, and answers what the test's handler says, on
//! keep-alive connections too. It never reaches beyond 127.0.0.1 and stops with the test binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A request as the server read it. Header names are lower case.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
    /// The request line and headers as sent, for tests that look at them whole.
    pub head: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer.
pub enum Reply {
    /// Status, extra headers, body.
    Send(u16, Vec<(String, String)>, Vec<u8>),
    /// Read the request and never answer (the connection is held open).
    Hang,
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct StandIn {
    pub url: String,
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl StandIn {
    /// Starts the server; `handler` answers each request in the order they arrive.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, handler) = (Arc::clone(&seen), Arc::clone(&handler));
                std::thread::spawn(move || serve(stream, &seen, &*handler));
            }
        });
        StandIn {
            url: format!("http://127.0.0.1:{port}"),
            port,
            requests,
        }
    }

    /// The requests received so far, in order, taken out of the record.
    pub fn take(&self) -> Vec<Request> {
        std::mem::take(&mut self.requests.lock().unwrap())
    }

    /// The requests received so far, in order, left in the record.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Request>>, handler: &Handler) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let mut head = line.clone();
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim_end().is_empty() {
                break;
            }
            head.push_str(&header);
            if let Some((name, value)) = header.trim_end().split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Request {
            method,
            path,
            headers,
            body,
            at: Instant::now(),
            head,
        };
        let reply = handler(&request);
        seen.lock().unwrap().push(request);
        let (status, extra, body) = match reply {
            Reply::Hang => {
                // Keep the connection open without answering until the client gives up.
                let mut sink = Vec::new();
                let _ = reader.read_to_end(&mut sink);
                return;
            }
            Reply::Send(status, extra, body) => (status, extra, body),
        };
        let mut response = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in extra {
            response.push_str(&format!("{k}: {v}\r\n"));
        }
        response.push_str("\r\n");
        if writer
            .write_all(response.as_bytes())
            .and_then(|()| writer.write_all(&body))
            .is_err()
        {
            return;
        }
    }
}
