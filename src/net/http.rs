//! One HTTP client for every network adapter (the GitHub API and every push target): hyper with
//! hyper-rustls (ring). Bounded retries with backoff for refused connections, DNS failures,
//! timeouts, 429, 5xx and a rate-limited 403 (honouring `Retry-After`); other statuses are
//! final and their body is kept, because servers explain there what they rejected.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type Https = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// By default at most this much of a response body is read (error bodies are shown trimmed);
/// [`HttpClient::with_max_body`] raises it for APIs whose answers are larger.
pub const MAX_BODY: usize = 64 * 1024;
/// A response body shown in a message is cut to this many characters.
pub const SHOWN_BODY_CHARS: usize = 300;

/// How often and how long to retry: the one policy of every network adapter.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff; it doubles on each retry.
    pub base: Duration,
    /// The longest wait, for backoff and for `Retry-After`.
    pub max_wait: Duration,
    /// When every request of the step must be done, retries and waits included: an attempt
    /// gets at most the time left, and no retry starts that could not end before it.
    pub deadline: Option<Instant>,
}

/// The longest wait before a retry: GitHub asks for a minute after a secondary rate limit.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            base: Duration::from_secs(1),
            max_wait: MAX_WAIT,
            deadline: None,
        }
    }
}

impl RetryPolicy {
    /// The same policy with every request done within `budget` from now.
    pub fn within(mut self, budget: Duration) -> Self {
        self.deadline = Instant::now().checked_add(budget);
        self
    }

    /// The time left before the deadline (`None`: no deadline).
    fn left(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Tests shorten the backoff with `DPONE_OBSERVABILITY_RETRY_BASE_MS` (milliseconds); the
    /// delays' shape stays the same.
    pub fn shorten_for_tests(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        if let Some(ms) =
            env("DPONE_OBSERVABILITY_RETRY_BASE_MS").and_then(|v| v.parse::<u64>().ok())
        {
            self.base = Duration::from_millis(ms);
        }
    }
}

/// A retry about to happen: which attempt failed and why, and how long the client waits.
#[derive(Debug, Clone, Copy)]
pub struct Retry<'a> {
    /// The attempt that failed, from 1.
    pub failed_attempt: u32,
    /// Every attempt the policy allows (retries + 1).
    pub attempts: u32,
    pub wait: Duration,
    /// The failure as [`Failure::message`] gives it (not scrubbed).
    pub reason: &'a str,
}

/// One request, ready to send (and to send again).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

/// A successful (2xx) response, or a redirect when the caller asked to see them.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Why a request failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong, without the URL's query or any header (never a secret).
    pub message: String,
    pub attempts: u32,
    /// The final HTTP status, when there was a response.
    pub status: Option<u16>,
    /// The final response's body (up to the client's limit), for callers that read the
    /// server's own explanation (GitHub's JSON `message`).
    pub body: Vec<u8>,
}

/// How one attempt failed.
enum Attempt {
    /// Worth another try (connection, DNS, TLS, timeout).
    Retry(String),
    /// Cannot succeed however often it is sent.
    Final(String),
}

pub struct HttpClient {
    client: Https,
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
    retry: RetryPolicy,
    max_body: usize,
}

impl HttpClient {
    /// A client with the given per-attempt timeout (connect, send and read together).
    pub fn new(timeout: Duration, retry: RetryPolicy) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the HTTP runtime: {err}"))?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        // The system's trust store when there is one (a company proxy's CA lives there), the
        // Mozilla roots compiled in otherwise (the scratch container has no store).
        let builder = match hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider.clone())
        {
            Ok(builder) => builder,
            Err(_) => hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_webpki_roots(provider)
                .map_err(|err| format!("cannot set up TLS: {err}"))?,
        };
        let https = builder.https_or_http().enable_http1().wrap_connector(http);
        Ok(HttpClient {
            client: Client::builder(TokioExecutor::new()).build(https),
            runtime,
            timeout,
            retry,
            max_body: MAX_BODY,
        })
    }

    /// Reads response bodies up to `bytes` instead of [`MAX_BODY`].
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Sends with retries; `Ok` only for a 2xx response.
    pub fn send(&self, request: &Request) -> Result<Response, Failure> {
        self.send_observed(request, &mut |_| {})
    }

    /// [`send`](Self::send), telling `on_retry` about each retry before its wait: the client
    /// never prints; the caller decides what to show (and scrubs the reason of secrets).
    pub fn send_observed(
        &self,
        request: &Request,
        on_retry: &mut dyn FnMut(&Retry<'_>),
    ) -> Result<Response, Failure> {
        self.send_inner(request, on_retry, false)
    }

    /// [`send`](Self::send), also returning a redirect (3xx) as it came, never followed: the
    /// caller decides where to go next and with which headers (a download URL on another host
    /// must not get the API's credentials).
    pub fn send_keeping_redirects(&self, request: &Request) -> Result<Response, Failure> {
        self.send_inner(request, &mut |_| {}, true)
    }

    fn send_inner(
        &self,
        request: &Request,
        on_retry: &mut dyn FnMut(&Retry<'_>),
        redirects: bool,
    ) -> Result<Response, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let timeout = self
                .attempt_timeout()
                .ok_or_else(|| out_of_time(attempt - 1))?;
            let outcome = match self.runtime.block_on(self.once(request, timeout)) {
                Err(Attempt::Final(message)) => {
                    return Err(Failure {
                        message,
                        attempts: attempt,
                        status: None,
                        body: Vec::new(),
                    })
                }
                Err(Attempt::Retry(message)) => Err(message),
                Ok(response) => Ok(response),
            };
            let (retryable, wait, failure) = match outcome {
                Ok(response) if response.status.is_success() => return Ok(response),
                Ok(response) if redirects && response.status.is_redirection() => {
                    return Ok(response)
                }
                Ok(response) => {
                    let status = response.status.as_u16();
                    let retryable = status == 429
                        || response.status.is_server_error()
                        || (status == 403 && rate_limited(&response));
                    let body = shown_body(&response.body);
                    let message = if body.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        format!("HTTP {status}: {body}")
                    };
                    (
                        retryable,
                        retry_after(&response.headers),
                        Failure {
                            message,
                            attempts: attempt,
                            status: Some(status),
                            body: response.body,
                        },
                    )
                }
                Err(message) => (
                    true,
                    None,
                    Failure {
                        message,
                        attempts: attempt,
                        status: None,
                        body: Vec::new(),
                    },
                ),
            };
            if !retryable || attempt > self.retry.retries {
                return Err(failure);
            }
            let backoff = self.retry.base.saturating_mul(1 << (attempt - 1).min(16));
            let wait = wait.unwrap_or(backoff).min(self.retry.max_wait);
            if self.retry.left().is_some_and(|left| left <= wait) {
                return Err(Failure {
                    message: format!(
                        "{} (no time left for another attempt before the step's `timeout`)",
                        failure.message
                    ),
                    ..failure
                });
            }
            on_retry(&Retry {
                failed_attempt: attempt,
                attempts: self.retry.retries + 1,
                wait,
                reason: &failure.message,
            });
            std::thread::sleep(wait);
        }
    }

    /// An attempt's time: the client's timeout, or less when the deadline is nearer; `None`
    /// when the deadline has passed.
    fn attempt_timeout(&self) -> Option<Duration> {
        match self.retry.left() {
            Some(left) if left.is_zero() => None,
            Some(left) => Some(left.min(self.timeout)),
            None => Some(self.timeout),
        }
    }

    async fn once(&self, request: &Request, timeout: Duration) -> Result<Response, Attempt> {
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let req = builder
            .body(Full::new(request.body.clone()))
            .map_err(|err| Attempt::Final(format!("invalid request: {err}")))?;
        let exchange = async {
            let response = self
                .client
                .request(req)
                .await
                .map_err(|err| error_chain(&err))?;
            let (parts, mut body) = response.into_parts();
            let mut bytes = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|err| format!("reading the response failed: {err}"))?;
                if let Some(data) = frame.data_ref() {
                    let room = self.max_body.saturating_sub(bytes.len());
                    bytes.extend_from_slice(&data[..data.len().min(room)]);
                    if room <= data.len() {
                        break;
                    }
                }
            }
            Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body: bytes,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result.map_err(Attempt::Retry),
            Err(_) => Err(Attempt::Retry(format!(
                "no response within {} s (timeout)",
                timeout.as_secs_f64()
            ))),
        }
    }
}

/// The deadline passed before attempt `done + 1` could start.
fn out_of_time(done: u32) -> Failure {
    Failure {
        message: "the step's `timeout` ran out before the request could be sent".to_string(),
        attempts: done,
        status: None,
        body: Vec::new(),
    }
}

/// An error and its causes, e.g. `client error (Connect): tcp connect error: Connection
/// refused (os error 111)`. hyper's errors never hold the URL or headers.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A 403 that is a rate limit, not a refusal: GitHub answers its secondary rate limits so,
/// with `Retry-After`, `x-ratelimit-remaining: 0` or a message saying so.
fn rate_limited(response: &Response) -> bool {
    response.headers.contains_key(http::header::RETRY_AFTER)
        || response
            .headers
            .get("x-ratelimit-remaining")
            .is_some_and(|v| v.as_bytes() == b"0")
        || String::from_utf8_lossy(&response.body)
            .to_lowercase()
            .contains("rate limit")
}

/// `Retry-After` in seconds (the HTTP-date form is rare for these receivers and ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A response body as one trimmed line.
pub fn shown_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match crate::observability::text::head(&line, SHOWN_BODY_CHARS) {
        Some(kept) => format!("{kept}…"),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_one_trimmed_line() {
        assert_eq!(shown_body(b"  out of bounds\n"), "out of bounds");
        assert_eq!(shown_body(b"a\n\nb"), "a b");
        let long = "x".repeat(1000);
        assert_eq!(
            shown_body(long.as_bytes()).chars().count(),
            SHOWN_BODY_CHARS + 1
        );
    }

    #[test]
    fn retry_after_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
