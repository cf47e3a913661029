//! The names owsec's clients use: the subsystems (each a set of tracing targets of our crates)
//! and the log levels, mapped onto tracing's.

use tracing_subscriber::filter::LevelFilter;

/// A named part of the server whose log level is set on its own.
#[derive(Debug, Clone, Copy)]
pub struct Subsystem {
    pub tag: &'static str,
    /// The tracing targets (module paths) it covers.
    pub targets: &'static [&'static str],
}

/// Every subsystem, in the order `getsubsystemnames` lists them.
pub const SUBSYSTEMS: &[Subsystem] = &[
    Subsystem {
        tag: "daemon",
        targets: &["latchkey_server", "latchkey"],
    },
    Subsystem {
        tag: "security",
        targets: &["latchkey_server::security", "latchkey_operator"],
    },
    Subsystem {
        tag: "login",
        targets: &["latchkey_login", "latchkey_server::web"],
    },
    Subsystem {
        tag: "oauth2",
        targets: &[
            "latchkey_oauth",
            "latchkey_access",
            "latchkey_server::oauth",
        ],
    },
    Subsystem {
        tag: "credentials",
        targets: &[
            "latchkey_credential",
            "latchkey_flows",
            "latchkey_otp",
            "latchkey_device",
            "latchkey_server::routes",
        ],
    },
    Subsystem {
        tag: "tenancy",
        targets: &["latchkey_tenancy"],
    },
    Subsystem {
        tag: "keys",
        targets: &["latchkey_crypto"],
    },
    Subsystem {
        tag: "storage",
        targets: &["latchkey_postgres", "latchkey_redis", "latchkey_memory"],
    },
    Subsystem {
        tag: "notify",
        targets: &["latchkey_notify", "latchkey_smtp", "latchkey_sms"],
    },
    Subsystem {
        tag: "http",
        targets: &[
            "latchkey_server::http",
            "actix_web",
            "actix_http",
            "actix_server",
        ],
    },
];

/// A log level as owsec names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    None,
    Fatal,
    Critical,
    Error,
    Warning,
    Notice,
    Information,
    Debug,
    Trace,
}

impl LogLevel {
    /// Every level, most severe first (`getloglevelnames`).
    pub const ALL: [Self; 9] = [
        Self::None,
        Self::Fatal,
        Self::Critical,
        Self::Error,
        Self::Warning,
        Self::Notice,
        Self::Information,
        Self::Debug,
        Self::Trace,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Fatal => "fatal",
            Self::Critical => "critical",
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
            Self::Information => "information",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }

    /// An owsec name, or tracing's (`off`, `warn`, `info`), in any case.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|l| l.name() == raw)
            .or(match raw.as_str() {
                "off" => Some(Self::None),
                "warn" => Some(Self::Warning),
                "info" => Some(Self::Information),
                _ => None,
            })
    }

    /// Tracing has no fatal, critical or notice: they are its nearest level.
    pub(super) fn directive(self) -> &'static str {
        match self {
            Self::None => "off",
            Self::Fatal | Self::Critical | Self::Error => "error",
            Self::Warning => "warn",
            Self::Notice | Self::Information => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }

    pub(super) fn from_filter(filter: LevelFilter) -> Self {
        match filter {
            LevelFilter::OFF => Self::None,
            LevelFilter::ERROR => Self::Error,
            LevelFilter::WARN => Self::Warning,
            LevelFilter::INFO => Self::Information,
            LevelFilter::DEBUG => Self::Debug,
            _ => Self::Trace,
        }
    }
}
