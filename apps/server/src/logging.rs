//! Log levels per subsystem, changed while the server runs (`POST /api/v1/system`
//! `setloglevel`): the subscriber's filter sits behind a `tracing_subscriber::reload` handle, and
//! each named subsystem is a set of tracing targets of our crates.
//!
//! `LATCHKEY_LOG` stays the base: its directives are kept, and each subsystem adds one directive
//! per target: until a level is set for it, the level `LATCHKEY_LOG` gives that target (so the
//! start changes nothing); once set, that level for every target, so that what `getloglevels`
//! reports is what applies. Levels carry owsec's names (`none`, `fatal`,
//! `critical`, `error`, `warning`, `notice`, `information`, `debug`, `trace`), mapped onto
//! tracing's five and `off`.

use crate::config::LogFormat;
use anyhow::Context as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _, Registry, reload};

mod names;
pub use names::{LogLevel, SUBSYSTEMS, Subsystem};

/// A subsystem tag that is not one of [`SUBSYSTEMS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown subsystem '{0}'")]
pub struct UnknownSubsystem(pub String);

/// The levels of the subsystems, and the running subscriber's filter they drive (when this
/// process installed one with [`install`]). Cheap to clone: every clone is the same levels.
#[derive(Clone)]
pub struct LogLevels {
    inner: Arc<Inner>,
}

struct Inner {
    /// The directives of `LATCHKEY_LOG`.
    base: Vec<String>,
    /// The level set for each of [`SUBSYSTEMS`], by index; `None`: as `LATCHKEY_LOG` says.
    levels: Mutex<Vec<Option<LogLevel>>>,
    handle: Option<reload::Handle<EnvFilter, Registry>>,
}

impl std::fmt::Debug for LogLevels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogLevels")
            .field("base", &self.inner.base)
            .field("attached", &self.inner.handle.is_some())
            .finish_non_exhaustive()
    }
}

impl LogLevels {
    /// Levels on the base filter `base` (`LATCHKEY_LOG`), driving no subscriber: what a server
    /// started in a process that installed none (a test) keeps.
    pub fn detached(base: &str) -> anyhow::Result<Self> {
        Self::build(base, None)
    }

    fn build(
        base: &str,
        handle: Option<reload::Handle<EnvFilter, Registry>>,
    ) -> anyhow::Result<Self> {
        EnvFilter::try_new(base).context("LATCHKEY_LOG")?;
        let base: Vec<String> = base
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                base,
                levels: Mutex::new(vec![None; SUBSYSTEMS.len()]),
                handle,
            }),
        })
    }

    /// Each subsystem's tag and level, in the order of [`SUBSYSTEMS`]: the level set, else the
    /// one `LATCHKEY_LOG` gives its first target.
    pub fn levels(&self) -> Vec<(&'static str, LogLevel)> {
        let levels = self.lock();
        SUBSYSTEMS
            .iter()
            .zip(levels.iter())
            .map(|(s, set)| {
                let level = set.unwrap_or_else(|| inherited(&self.inner.base, s.targets[0]));
                (s.tag, level)
            })
            .collect()
    }

    /// Sets the levels of the named subsystems (tags in any case), all or none, and applies
    /// them to the running subscriber at once.
    pub fn set(&self, changes: &[(String, LogLevel)]) -> Result<(), UnknownSubsystem> {
        let mut indexed = Vec::with_capacity(changes.len());
        for (tag, level) in changes {
            indexed.push((index_of(tag)?, *level));
        }
        let mut levels = self.lock();
        for (i, level) in indexed {
            levels[i] = Some(level);
        }
        self.apply(&levels);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Option<LogLevel>>> {
        self.inner
            .levels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The filter of the base directives and the subsystems' levels. A base directive naming
    /// exactly a subsystem's target gives way to the subsystem's (the same level until one is
    /// set).
    fn filter(&self, levels: &[Option<LogLevel>]) -> EnvFilter {
        let base = &self.inner.base;
        let ours: Vec<String> = SUBSYSTEMS
            .iter()
            .zip(levels)
            .flat_map(|(s, set)| {
                s.targets.iter().map(move |t| {
                    let level = set.unwrap_or_else(|| inherited(base, t));
                    format!("{t}={}", level.directive())
                })
            })
            .collect();
        let kept = self.inner.base.iter().filter(|d| {
            let target = d.split('=').next().unwrap_or_default();
            !SUBSYSTEMS.iter().any(|s| s.targets.contains(&target))
        });
        let directives: Vec<&str> = kept
            .map(String::as_str)
            .chain(ours.iter().map(String::as_str))
            .collect();
        // Every part parsed before (the base at start, ours from known names): this cannot
        // fail, and if it did the base alone is the safe answer.
        EnvFilter::try_new(directives.join(","))
            .or_else(|_| EnvFilter::try_new(self.inner.base.join(",")))
            .unwrap_or_default()
    }

    fn apply(&self, levels: &[Option<LogLevel>]) {
        if let Some(handle) = &self.inner.handle
            && let Err(e) = handle.reload(self.filter(levels))
        {
            tracing::warn!(error = %e, "the log filter could not be changed");
        }
    }
}

fn index_of(tag: &str) -> Result<usize, UnknownSubsystem> {
    let wanted = tag.trim().to_ascii_lowercase();
    SUBSYSTEMS
        .iter()
        .position(|s| s.tag == wanted)
        .ok_or_else(|| UnknownSubsystem(tag.to_owned()))
}

/// The level the base directives give `target`, as `EnvFilter` decides it: the directive of the
/// longest target that `target` starts with (a plain prefix: `latchkey` covers `latchkey_login`
/// too), else the bare level, else `none` (tracing enables nothing a directive does not name).
/// Directives with span or field filters are not counted.
fn inherited(base: &[String], target: &str) -> LogLevel {
    let mut best: Option<(usize, LogLevel)> = None;
    let mut default = None;
    for directive in base.iter().filter(|d| !d.contains('[')) {
        let (name, level) = match directive.split_once('=') {
            Some((name, level)) => (name, level),
            None => match directive.parse::<LevelFilter>() {
                Ok(level) => {
                    default = Some(LogLevel::from_filter(level));
                    continue;
                }
                // A bare target enables everything of it.
                Err(_) => (directive.as_str(), "trace"),
            },
        };
        if target.starts_with(name) && best.is_none_or(|(len, _)| name.len() > len) {
            let level = level
                .parse::<LevelFilter>()
                .map_or(LogLevel::Trace, LogLevel::from_filter);
            best = Some((name.len(), level));
        }
    }
    best.map(|(_, l)| l).or(default).unwrap_or(LogLevel::None)
}

static INSTALLED: OnceLock<LogLevels> = OnceLock::new();

/// Installs the process's subscriber: lines in `format` to `writer`, filtered by `base`
/// (`LATCHKEY_LOG`) and the subsystems' levels behind a reload handle. The servers this process
/// starts change those levels ([`installed`]). Fails if a subscriber is already installed.
pub fn install<W>(base: &str, format: LogFormat, ansi: bool, writer: W) -> anyhow::Result<LogLevels>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let detached = LogLevels::detached(base)?;
    let (filter, handle) = reload::Layer::new(detached.filter(&detached.lock()));
    let levels = LogLevels::build(base, Some(handle))?;
    let lines = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(writer)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(lines)
        .try_init()
        .context("installing the log subscriber")?;
    INSTALLED
        .set(levels.clone())
        .map_err(|_| anyhow::anyhow!("log levels installed twice"))?;
    Ok(levels)
}

/// The levels of the subscriber [`install`] installed in this process, if it did.
pub fn installed() -> Option<LogLevels> {
    INSTALLED.get().cloned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn level_of(levels: &LogLevels, tag: &str) -> LogLevel {
        levels
            .levels()
            .into_iter()
            .find(|(t, _)| *t == tag)
            .unwrap()
            .1
    }

    #[test]
    fn subsystems_start_at_the_level_latchkey_log_gives_them() {
        let levels =
            LogLevels::detached("warn,latchkey_login=debug,latchkey_server::http=trace").unwrap();
        assert_eq!(level_of(&levels, "daemon"), LogLevel::Warning);
        assert_eq!(level_of(&levels, "login"), LogLevel::Debug);
        assert_eq!(level_of(&levels, "http"), LogLevel::Trace);
        let none = LogLevels::detached("latchkey_login=info").unwrap();
        assert_eq!(level_of(&none, "login"), LogLevel::Information);
        assert_eq!(level_of(&none, "storage"), LogLevel::None);
    }

    #[test]
    fn the_longest_prefix_directive_is_inherited_as_env_filter_matches() {
        let base = vec![
            "info".to_owned(),
            "latchkey_server=error".to_owned(),
            "latchkey_serv=trace".to_owned(),
            "latchkey_l=debug".to_owned(),
        ];
        assert_eq!(inherited(&base, "latchkey_server::http"), LogLevel::Error);
        assert_eq!(inherited(&base, "latchkey_login"), LogLevel::Debug);
        assert_eq!(inherited(&base, "latchkey_notify"), LogLevel::Information);
    }

    #[test]
    fn set_changes_the_named_subsystems_only_and_refuses_unknown_ones_whole() {
        let levels = LogLevels::detached("info").unwrap();
        levels
            .set(&[
                ("HTTP".to_owned(), LogLevel::Debug),
                ("notify".to_owned(), LogLevel::Notice),
            ])
            .unwrap();
        assert_eq!(level_of(&levels, "http"), LogLevel::Debug);
        assert_eq!(level_of(&levels, "notify"), LogLevel::Notice);
        assert_eq!(level_of(&levels, "login"), LogLevel::Information);
        let refused = levels.set(&[
            ("login".to_owned(), LogLevel::Trace),
            ("nope".to_owned(), LogLevel::Trace),
        ]);
        assert_eq!(refused, Err(UnknownSubsystem("nope".to_owned())));
        assert_eq!(
            level_of(&levels, "login"),
            LogLevel::Information,
            "nothing applied"
        );
    }

    #[test]
    fn until_a_level_is_set_every_target_keeps_what_latchkey_log_gives_it() {
        let levels = LogLevels::detached("info,actix_web=warn").unwrap();
        let shown = levels.filter(&levels.lock()).to_string();
        assert!(shown.contains("actix_web=warn"), "{shown}");
        assert!(shown.contains("latchkey_server::http=info"), "{shown}");
        assert_eq!(level_of(&levels, "http"), LogLevel::Information);
        levels.set(&[("http".to_owned(), LogLevel::Debug)]).unwrap();
        let shown = levels.filter(&levels.lock()).to_string();
        assert!(shown.contains("actix_web=debug"), "{shown}");
        assert!(!shown.contains("actix_web=warn"), "{shown}");
    }

    #[test]
    fn the_filter_holds_each_subsystem_at_its_level_over_the_base() {
        let levels =
            LogLevels::detached("warn,latchkey_server::http=error,actix_web=info").unwrap();
        levels.set(&[("http".to_owned(), LogLevel::Debug)]).unwrap();
        let shown = levels.filter(&levels.lock()).to_string();
        assert!(shown.contains("latchkey_server::http=debug"), "{shown}");
        assert!(shown.contains("actix_web=debug"), "{shown}");
        assert!(!shown.contains("latchkey_server::http=error"), "{shown}");
        assert!(!shown.contains("actix_web=info"), "{shown}");
        assert!(shown.contains("latchkey_login=warn"), "{shown}");
    }

    #[test]
    fn owsec_names_and_tracing_names_parse() {
        for level in LogLevel::ALL {
            assert_eq!(LogLevel::parse(&level.name().to_uppercase()), Some(level));
        }
        assert_eq!(LogLevel::parse("warn"), Some(LogLevel::Warning));
        assert_eq!(LogLevel::parse("off"), Some(LogLevel::None));
        assert_eq!(LogLevel::parse("loud"), None);
        assert_eq!(LogLevel::Critical.directive(), "error");
        assert_eq!(LogLevel::Notice.directive(), "info");
    }
}
