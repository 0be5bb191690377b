//! The OTLP protobuf messages the push sends and the answers it reads, as prost derives with
//! the upstream field numbers and types of opentelemetry-proto v1.10.0
//! (`opentelemetry/proto/collector/metrics/v1/metrics_service.proto`,
//! `collector/trace/v1/trace_service.proto`, `common/v1/common.proto`,
//! `resource/v1/resource.proto`, `metrics/v1/metrics.proto` and `trace/v1/trace.proto`; every
//! field declared here is unchanged since v1.1.0). Only the messages and fields this adapter
//! fills or reads are declared (protobuf readers skip absent fields), in the order of the
//! `.proto` files, so the encoded bytes are those of the generated types. `tests/it/push.rs`
//! holds them to the official definitions (`otlp_proto_check.py`).

/// `collector/metrics/v1`: `message ExportMetricsServiceRequest { repeated ResourceMetrics
/// resource_metrics = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportMetricsServiceRequest {
    #[prost(message, repeated, tag = "1")]
    pub resource_metrics: Vec<ResourceMetrics>,
}

/// `collector/metrics/v1`: `message ExportMetricsServiceResponse { ExportMetricsPartialSuccess
/// partial_success = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportMetricsServiceResponse {
    #[prost(message, optional, tag = "1")]
    pub partial_success: Option<ExportMetricsPartialSuccess>,
}

/// `collector/metrics/v1`: `message ExportMetricsPartialSuccess { int64 rejected_data_points =
/// 1; string error_message = 2; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportMetricsPartialSuccess {
    #[prost(int64, tag = "1")]
    pub rejected_data_points: i64,
    #[prost(string, tag = "2")]
    pub error_message: String,
}

/// `collector/trace/v1`: `message ExportTraceServiceRequest { repeated ResourceSpans
/// resource_spans = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportTraceServiceRequest {
    #[prost(message, repeated, tag = "1")]
    pub resource_spans: Vec<ResourceSpans>,
}

/// `collector/trace/v1`: `message ExportTraceServiceResponse { ExportTracePartialSuccess
/// partial_success = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportTraceServiceResponse {
    #[prost(message, optional, tag = "1")]
    pub partial_success: Option<ExportTracePartialSuccess>,
}

/// `collector/trace/v1`: `message ExportTracePartialSuccess { int64 rejected_spans = 1; string
/// error_message = 2; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportTracePartialSuccess {
    #[prost(int64, tag = "1")]
    pub rejected_spans: i64,
    #[prost(string, tag = "2")]
    pub error_message: String,
}

/// `resource/v1`: `message Resource { repeated KeyValue attributes = 1; ... }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Resource {
    #[prost(message, repeated, tag = "1")]
    pub attributes: Vec<KeyValue>,
}

/// `common/v1`: `message InstrumentationScope { string name = 1; string version = 2; ... }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct InstrumentationScope {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub version: String,
}

/// `common/v1`: `message KeyValue { string key = 1; AnyValue value = 2; ... }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(message, optional, tag = "2")]
    pub value: Option<AnyValue>,
}

/// `common/v1`: `message AnyValue { oneof value { ... } }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct AnyValue {
    #[prost(oneof = "any_value::Value", tags = "1, 2, 3, 4")]
    pub value: Option<any_value::Value>,
}

pub mod any_value {
    /// `oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
    /// double double_value = 4; ... }`
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(string, tag = "1")]
        StringValue(String),
        #[prost(bool, tag = "2")]
        BoolValue(bool),
        #[prost(int64, tag = "3")]
        IntValue(i64),
        #[prost(double, tag = "4")]
        DoubleValue(f64),
    }
}

/// `metrics/v1`: `message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics
/// scope_metrics = 2; string schema_url = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceMetrics {
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    #[prost(message, repeated, tag = "2")]
    pub scope_metrics: Vec<ScopeMetrics>,
}

/// `metrics/v1`: `message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric
/// metrics = 2; string schema_url = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ScopeMetrics {
    #[prost(message, optional, tag = "1")]
    pub scope: Option<InstrumentationScope>,
    #[prost(message, repeated, tag = "2")]
    pub metrics: Vec<Metric>,
}

/// `metrics/v1`: `message Metric { string name = 1; string description = 2; string unit = 3;
/// oneof data { Gauge gauge = 5; ... } ... }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metric {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub description: String,
    #[prost(string, tag = "3")]
    pub unit: String,
    #[prost(oneof = "metric::Data", tags = "5")]
    pub data: Option<metric::Data>,
}

pub mod metric {
    /// `oneof data { Gauge gauge = 5; Sum sum = 7; ... }`: the gauges this tool writes.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Data {
        #[prost(message, tag = "5")]
        Gauge(super::Gauge),
    }
}

/// `metrics/v1`: `message Gauge { repeated NumberDataPoint data_points = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Gauge {
    #[prost(message, repeated, tag = "1")]
    pub data_points: Vec<NumberDataPoint>,
}

/// `metrics/v1`: `message NumberDataPoint { repeated KeyValue attributes = 7; fixed64
/// start_time_unix_nano = 2; fixed64 time_unix_nano = 3; oneof value { double as_double = 4;
/// sfixed64 as_int = 6; } repeated Exemplar exemplars = 5; uint32 flags = 8; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct NumberDataPoint {
    #[prost(message, repeated, tag = "7")]
    pub attributes: Vec<KeyValue>,
    #[prost(fixed64, tag = "3")]
    pub time_unix_nano: u64,
    /// `DataPointFlags`: bit 0 is `FLAG_NO_RECORDED_VALUE`.
    #[prost(uint32, tag = "8")]
    pub flags: u32,
    #[prost(oneof = "number_data_point::Value", tags = "4, 6")]
    pub value: Option<number_data_point::Value>,
}

pub mod number_data_point {
    /// `oneof value { double as_double = 4; sfixed64 as_int = 6; }`
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(double, tag = "4")]
        AsDouble(f64),
        #[prost(sfixed64, tag = "6")]
        AsInt(i64),
    }
}

/// `trace/v1`: `message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans
/// = 2; string schema_url = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceSpans {
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    #[prost(message, repeated, tag = "2")]
    pub scope_spans: Vec<ScopeSpans>,
}

/// `trace/v1`: `message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2;
/// string schema_url = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct ScopeSpans {
    #[prost(message, optional, tag = "1")]
    pub scope: Option<InstrumentationScope>,
    #[prost(message, repeated, tag = "2")]
    pub spans: Vec<Span>,
}

/// `trace/v1`: `message Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3;
/// bytes parent_span_id = 4; fixed32 flags = 16; string name = 5; SpanKind kind = 6; fixed64
/// start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
/// ...; repeated Event events = 11; ...; Status status = 15; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Span {
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub span_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub parent_span_id: Vec<u8>,
    /// `SpanFlags`: the W3C trace flags in bits 0-7, and whether the parent is remote.
    #[prost(fixed32, tag = "16")]
    pub flags: u32,
    #[prost(string, tag = "5")]
    pub name: String,
    #[prost(enumeration = "span::SpanKind", tag = "6")]
    pub kind: i32,
    #[prost(fixed64, tag = "7")]
    pub start_time_unix_nano: u64,
    #[prost(fixed64, tag = "8")]
    pub end_time_unix_nano: u64,
    #[prost(message, repeated, tag = "9")]
    pub attributes: Vec<KeyValue>,
    #[prost(message, repeated, tag = "11")]
    pub events: Vec<span::Event>,
    #[prost(message, optional, tag = "15")]
    pub status: Option<Status>,
}

pub mod span {
    /// `message Span.Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue
    /// attributes = 3; uint32 dropped_attributes_count = 4; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Event {
        #[prost(fixed64, tag = "1")]
        pub time_unix_nano: u64,
        #[prost(string, tag = "2")]
        pub name: String,
        #[prost(message, repeated, tag = "3")]
        pub attributes: Vec<super::KeyValue>,
    }

    /// `enum Span.SpanKind`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum SpanKind {
        Unspecified = 0,
        Internal = 1,
        Server = 2,
        Client = 3,
        Producer = 4,
        Consumer = 5,
    }
}

/// `trace/v1`: `message Status { reserved 1; string message = 2; StatusCode code = 3; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(enumeration = "status::StatusCode", tag = "3")]
    pub code: i32,
}

pub mod status {
    /// `enum Status.StatusCode`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum StatusCode {
        Unset = 0,
        Ok = 1,
        Error = 2,
    }
}
