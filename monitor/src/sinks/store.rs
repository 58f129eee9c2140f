//! The state directory: finding aggregates and the alert book, in one JSON file written
//! atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves either the
//! old state or the new one. Aggregates and alerts hold no raw value, so neither does the file.

use std::{
    fs,
    io::{self, Write as _},
    path::{Path, PathBuf},
    time::SystemTime,
};

use serde::{Deserialize, Serialize};

use crate::sinks::{alerts::AlertBook, findings::FindingAggregate};

/// Name of the state file inside the state directory.
pub const STATE_FILE: &str = "state.json";
const TEMP_FILE: &str = "state.json.tmp";
/// Version of the file's layout; a file of another version is set aside, not misread.
const FORMAT_VERSION: u32 = 1;

/// Errors of the state directory, with the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("creating state directory {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path} is not a state file of this version: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("encoding state: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("writing {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// What the state file holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PersistedState {
    pub findings: Vec<FindingAggregate>,
    pub alerts: AlertBook,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    saved_at: SystemTime,
    #[serde(flatten)]
    state: PersistedState,
}

/// The state directory.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    #[must_use]
    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// Reads the state file; `Ok(None)` when there is none yet.
    ///
    /// # Errors
    /// [`StoreError::Read`] when it cannot be read, [`StoreError::Corrupt`] when it cannot be
    /// decoded (see [`Store::set_aside`]).
    pub fn load(&self) -> Result<Option<PersistedState>, StoreError> {
        let path = self.state_path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Read { path, source }),
        };
        let file: StateFile =
            serde_json::from_slice(&bytes).map_err(|error| StoreError::Corrupt {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        if file.version != FORMAT_VERSION {
            return Err(StoreError::Corrupt {
                path,
                reason: format!("format version {}, expected {FORMAT_VERSION}", file.version),
            });
        }
        Ok(Some(file.state))
    }

    /// Renames an undecodable state file aside (`state.json.corrupt-<unix seconds>`) so the daemon
    /// starts empty without destroying what an operator may want to inspect. Returns the new path.
    ///
    /// # Errors
    /// [`StoreError::Write`] when the rename fails.
    pub fn set_aside(&self) -> Result<PathBuf, StoreError> {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let aside = self.dir.join(format!("{STATE_FILE}.corrupt-{secs}"));
        fs::rename(self.state_path(), &aside).map_err(|source| StoreError::Write {
            path: aside.clone(),
            source,
        })?;
        Ok(aside)
    }

    /// Writes `state` atomically. Blocking: call it from a blocking thread.
    ///
    /// # Errors
    /// [`StoreError::CreateDir`], [`StoreError::Encode`] or [`StoreError::Write`]; the previous
    /// state file is then left as it was.
    pub fn save(&self, state: &PersistedState) -> Result<(), StoreError> {
        fs::create_dir_all(&self.dir).map_err(|source| StoreError::CreateDir {
            path: self.dir.clone(),
            source,
        })?;
        let file = StateFile {
            version: FORMAT_VERSION,
            saved_at: SystemTime::now(),
            state: state.clone(),
        };
        let bytes = serde_json::to_vec(&file).map_err(StoreError::Encode)?;
        let temp = self.dir.join(TEMP_FILE);
        let written = write_synced(&temp, &bytes);
        if let Err(source) = written {
            // Do not leave a partial file behind on a full disk.
            let _ = fs::remove_file(&temp);
            return Err(StoreError::Write { path: temp, source });
        }
        let path = self.state_path();
        fs::rename(&temp, &path).map_err(|source| StoreError::Write {
            path: path.clone(),
            source,
        })?;
        // The rename is durable only once the directory entry is.
        fs::File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|source| StoreError::Write {
                path: self.dir.clone(),
                source,
            })
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use monitor_detect::DataType;

    use super::*;
    use crate::{
        model::Protocol,
        sinks::{
            alerts::{Alert, AlertTiming},
            findings::{
                FindingsTable,
                tests::{at, event, flow},
            },
        },
    };

    /// A fresh directory under the system temp dir, removed on drop.
    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> Self {
            let nanos = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let path =
                std::env::temp_dir().join(format!("monitor-{name}-{}-{nanos}", std::process::id()));
            fs::create_dir_all(&path).expect("temp dir");
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn sample_state() -> PersistedState {
        let mut table = FindingsTable::new(8);
        table.record(&event(
            flow("10.0.0.1:4000", "10.0.0.2:80", Protocol::Http),
            DataType::Email,
            "j***@e***.com",
            3,
        ));
        let mut alerts = AlertBook::default();
        alerts.set_targets(["http://127.0.0.1:9093"]);
        alerts.upsert(
            Alert {
                labels: BTreeMap::from([(
                    "alertname".to_owned(),
                    "PersonalDataUnencrypted".to_owned(),
                )]),
                annotations: BTreeMap::new(),
                occurred_at: at(3),
            },
            10,
            &AlertTiming::default(),
        );
        PersistedState {
            findings: table.snapshot(),
            alerts,
        }
    }

    #[test]
    fn round_trip() {
        let dir = TempDir::new("store-round-trip");
        let store = Store::new(dir.0.join("nested"));
        assert_eq!(store.load().expect("no file is fine"), None);
        let state = sample_state();
        store.save(&state).expect("save");
        assert_eq!(store.load().expect("load"), Some(state.clone()));
        assert!(!store.dir().join(TEMP_FILE).exists());
        // Saving again replaces the file.
        let mut emptier = state;
        emptier.findings.clear();
        store.save(&emptier).expect("save");
        assert_eq!(store.load().expect("load"), Some(emptier));
    }

    #[test]
    fn corrupt_files_are_reported_and_set_aside() {
        let dir = TempDir::new("store-corrupt");
        let store = Store::new(&dir.0);
        fs::write(store.state_path(), b"{not json").expect("write");
        assert!(matches!(store.load(), Err(StoreError::Corrupt { .. })));
        let aside = store.set_aside().expect("set aside");
        assert!(aside.exists());
        assert_eq!(store.load().expect("gone"), None);
        fs::write(store.state_path(), br#"{"version":99,"saved_at":{"secs_since_epoch":0,"nanos_since_epoch":0},"findings":[],"alerts":{"alerts":{},"targets":{}}}"#).expect("write");
        assert!(
            matches!(store.load(), Err(StoreError::Corrupt { reason, .. }) if reason.contains("99"))
        );
    }

    #[test]
    fn an_unwritable_directory_is_an_error_not_a_panic() {
        let dir = TempDir::new("store-unwritable");
        // A regular file where the directory should be: fails for root too, unlike permissions.
        let blocker = dir.0.join("blocker");
        fs::write(&blocker, b"").expect("write");
        let store = Store::new(blocker.join("state"));
        assert!(matches!(
            store.save(&sample_state()),
            Err(StoreError::CreateDir { .. })
        ));
        assert!(matches!(store.load(), Err(StoreError::Read { .. })));
    }
}
