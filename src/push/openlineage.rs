//! The OpenLineage HTTP transport: each `RunEvent` of the folder's `openlineage_events.json`
//! `POST`ed as JSON to `<url>/api/v1/lineage` (the endpoint Marquez and the OpenLineage clients'
//! HTTP transport use), with `OPENLINEAGE_API_KEY` as a bearer token, through the same client,
//! retries, timeout and secret scrubbing as every push target.

use ::http::Method;
use serde_json::Value;

use super::{failure_text, request, send, PushResult, TargetKind};
use super::{target::Credentials, Progress};
use crate::net::http::HttpClient;

/// The path an OpenLineage HTTP endpoint takes events on.
pub const LINEAGE_PATH: &str = "/api/v1/lineage";

/// Where events go: the URL as given, with `/api/v1/lineage` appended to its path unless the
/// path ends so; a query stays after the path.
pub fn endpoint(url: &str) -> String {
    let url = url.trim();
    let (base, query) = url.split_at(url.find('?').unwrap_or(url.len()));
    let base = base.trim_end_matches('/');
    if base.ends_with(LINEAGE_PATH) {
        format!("{base}{query}")
    } else {
        super::target::join_path(url, LINEAGE_PATH)
    }
}

/// The OpenLineage target of a push plan.
#[derive(Debug, Clone)]
pub struct OpenLineageTarget {
    /// The full endpoint (`…/api/v1/lineage`).
    pub url: String,
    /// `Authorization: Bearer <OPENLINEAGE_API_KEY>` when the variable is set.
    pub credentials: Credentials,
}

/// Posts every event, one request each, in the file's order; stops at the first refused one.
pub fn push(
    client: &HttpClient,
    events: &[u8],
    t: &OpenLineageTarget,
    progress: &mut dyn Progress,
) -> PushResult {
    let mut result = PushResult::new(TargetKind::Openlineage, &t.url);
    let events: Vec<Value> = match serde_json::from_slice(events) {
        Ok(Value::Array(events)) => events,
        Ok(_) | Err(_) => {
            progress.start(result.kind, &result.target, 0, 0);
            result.error = Some("`openlineage_events.json` is not a JSON array of events".into());
            return result;
        }
    };
    let total = events.len();
    result.total = total;
    progress.start(result.kind, &result.target, total, total);
    for (i, event) in events.iter().enumerate() {
        let body = match serde_json::to_vec(event) {
            Ok(body) => body,
            Err(err) => {
                result.error = Some(format!("event {} cannot be encoded: {err}", i + 1));
                break;
            }
        };
        let req = request(
            Method::POST,
            &t.url,
            &[("content-type", "application/json")],
            &t.credentials,
            body,
        );
        result.requests += 1;
        match send(client, &req, result.kind, &t.credentials, progress) {
            Ok(_) => result.series += 1,
            Err(failure) => {
                result.error = Some(format!(
                    "event {} of {total} failed after {} were accepted: {}",
                    i + 1,
                    result.series,
                    failure_text(&t.credentials, &failure)
                ));
                break;
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lineage_path_is_appended_once() {
        assert_eq!(endpoint("http://m:5000"), "http://m:5000/api/v1/lineage");
        assert_eq!(endpoint("http://m:5000/"), "http://m:5000/api/v1/lineage");
        assert_eq!(
            endpoint("http://m/x/api/v1/lineage/"),
            "http://m/x/api/v1/lineage"
        );
    }

    #[test]
    fn a_query_stays_after_the_lineage_path() {
        assert_eq!(
            endpoint("https://m/ol/?tenant=a"),
            "https://m/ol/api/v1/lineage?tenant=a"
        );
        assert_eq!(
            endpoint("https://m/api/v1/lineage?tenant=a"),
            "https://m/api/v1/lineage?tenant=a"
        );
    }
}
