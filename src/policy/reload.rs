//! Hot reload: a change to the policy file or one of its list files, or SIGHUP, re-reads the
//! file and swaps it in if it is valid. Runs on its own threads, off the request path.

use super::file::folder_of;
use super::PolicyHandle;
use crate::storage::Pool;
use notify::{RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Editors write in bursts (temp file, rename, chmod): wait for the burst to end.
const SETTLE: Duration = Duration::from_millis(250);

enum Trigger {
    FileChanged,
    Hangup,
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || (a.file_name() == b.file_name()
            && a.parent().map(std::fs::canonicalize).and_then(Result::ok)
                == b.parent().map(std::fs::canonicalize).and_then(Result::ok))
}

/// Starts listening for SIGHUP and, with `watch_files`, for changes to the files; stops by
/// itself once the handle is dropped. Failures to watch are logged: SIGHUP still works.
pub fn spawn(policy: &Arc<PolicyHandle>, pool: Pool, watch_files: bool) {
    let (tx, rx) = mpsc::channel::<Trigger>();
    let mut files: Vec<PathBuf> = vec![policy.path().to_path_buf()];
    files.extend(policy.current().list_paths().iter().cloned());
    let dirs: BTreeSet<PathBuf> = files.iter().map(|f| folder_of(f).to_path_buf()).collect();

    let watched = files.clone();
    let file_tx = tx.clone();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let relevant = !event.kind.is_access()
                && event
                    .paths
                    .iter()
                    .any(|p| watched.iter().any(|w| same_file(p, w)));
            if relevant {
                let _ = file_tx.send(Trigger::FileChanged);
            }
        }
    });
    let watcher = match watcher {
        Ok(_) if !watch_files => None,
        Ok(mut watcher) => {
            for dir in &dirs {
                if let Err(err) = watcher.watch(dir, RecursiveMode::NonRecursive) {
                    tracing::warn!(dir = %dir.display(), error = %err, "cannot watch for rules changes");
                }
            }
            Some(watcher)
        }
        Err(err) => {
            tracing::warn!(error = %err, "file watching unavailable; reload rules with SIGHUP");
            None
        }
    };

    #[cfg(unix)]
    {
        let hup_tx = tx.clone();
        match signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP]) {
            Ok(mut signals) => {
                let _ = std::thread::Builder::new()
                    .name("rules-sighup".into())
                    .spawn(move || {
                        for _ in signals.forever() {
                            if hup_tx.send(Trigger::Hangup).is_err() {
                                break;
                            }
                        }
                    });
            }
            Err(err) => tracing::warn!(error = %err, "cannot listen for SIGHUP"),
        }
    }
    drop(tx);

    let weak: Weak<PolicyHandle> = Arc::downgrade(policy);
    let _ = std::thread::Builder::new().name("rules-reload".into()).spawn(move || {
        // Keeps the watcher alive as long as this thread runs.
        let _watcher = watcher;
        while let Ok(first) = rx.recv() {
            std::thread::sleep(SETTLE);
            let mut hangup = matches!(first, Trigger::Hangup);
            while let Ok(more) = rx.try_recv() {
                hangup |= matches!(more, Trigger::Hangup);
            }
            let Some(policy) = weak.upgrade() else { break };
            let cause = if hangup { "SIGHUP" } else { "file change" };
            match policy.reload_from_disk(&pool) {
                Ok(Some(summary)) => tracing::info!(cause, version = %summary.new_version, "rules reloaded"),
                Ok(None) => tracing::debug!(cause, "rules unchanged"),
                Err(err) => tracing::error!(cause, error = %err, "rules reload failed; previous rules kept"),
            }
        }
    });
}
