//! Prometheus remote-write 1.0: a protobuf `WriteRequest`, snappy block compression, sent in
//! batches of at most [`MAX_SERIES_PER_REQUEST`] series.

use super::export_dir::Series;

/// The message types of Prometheus' `prompb/remote.proto` and `prompb/types.proto` (remote
/// write 1.0), as prost derives with the upstream field numbers. Only the fields a sender of
/// gauge samples fills are declared; protobuf readers skip absent fields.
pub mod prompb {
    /// `message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2;
    /// repeated MetricMetadata metadata = 3; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct WriteRequest {
        #[prost(message, repeated, tag = "1")]
        pub timeseries: Vec<TimeSeries>,
    }

    /// `message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; ... }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TimeSeries {
        #[prost(message, repeated, tag = "1")]
        pub labels: Vec<Label>,
        #[prost(message, repeated, tag = "2")]
        pub samples: Vec<Sample>,
    }

    /// `message Label { string name = 1; string value = 2; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Label {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub value: String,
    }

    /// `message Sample { double value = 1; int64 timestamp = 2; }` (milliseconds)
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Sample {
        #[prost(double, tag = "1")]
        pub value: f64,
        #[prost(int64, tag = "2")]
        pub timestamp: i64,
    }
}

/// Series per request. Prometheus' own sender sends 2,000 samples per request by default
/// (`max_samples_per_send`); receivers are sized for that.
pub const MAX_SERIES_PER_REQUEST: usize = 2_000;

/// The headers remote-write 1.0 requires.
pub const HEADERS: [(&str, &str); 3] = [
    ("content-encoding", "snappy"),
    ("content-type", "application/x-protobuf"),
    ("x-prometheus-remote-write-version", "0.1.0"),
];

/// One time series: `__name__` and the labels, sorted by name as the protocol requires.
fn time_series(series: &Series, time_ms: i64) -> prompb::TimeSeries {
    let mut labels = Vec::with_capacity(series.labels.len() + 1);
    labels.push(prompb::Label {
        name: "__name__".to_string(),
        value: series.name.clone(),
    });
    labels.extend(series.labels.iter().map(|(name, value)| prompb::Label {
        name: name.clone(),
        value: value.clone(),
    }));
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    prompb::TimeSeries {
        labels,
        samples: vec![prompb::Sample {
            value: series.value,
            timestamp: time_ms,
        }],
    }
}

/// The compressed request bodies, each with the number of series it holds.
pub fn bodies(
    series: &[Series],
    time_ms: i64,
    per_request: usize,
) -> Result<Vec<(usize, Vec<u8>)>, String> {
    let mut encoder = snap::raw::Encoder::new();
    series
        .chunks(per_request.max(1))
        .map(|chunk| {
            let request = prompb::WriteRequest {
                timeseries: chunk.iter().map(|s| time_series(s, time_ms)).collect(),
            };
            let raw = prost::Message::encode_to_vec(&request);
            let body = encoder
                .compress_vec(&raw)
                .map_err(|err| format!("snappy compression failed: {err}"))?;
            Ok((chunk.len(), body))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_decode_to_sorted_series() {
        let series: Vec<Series> = (0..5)
            .map(|i| Series {
                name: format!("dpone_m{i}"),
                labels: vec![("Zone".into(), "z".into()), ("a".into(), "b".into())],
                value: f64::from(i),
            })
            .collect();
        let bodies = bodies(&series, 1_700_000_000_123, 2).unwrap();
        assert_eq!(
            bodies.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [2, 2, 1]
        );
        let raw = snap::raw::Decoder::new()
            .decompress_vec(&bodies[0].1)
            .unwrap();
        let request: prompb::WriteRequest = prost::Message::decode(raw.as_slice()).unwrap();
        let names: Vec<&str> = request.timeseries[1]
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(names, ["Zone", "__name__", "a"]);
        assert_eq!(
            request.timeseries[1].samples[0].timestamp,
            1_700_000_000_123
        );
        assert_eq!(request.timeseries[1].samples[0].value, 1.0);
    }
}
