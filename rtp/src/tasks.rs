//! The background tasks of a running [`RtpEndpoint`](crate::endpoint::RtpEndpoint)
//! or [`Relay`](crate::relay::Relay): one stop signal they all watch, and
//! their handles to wait for on shutdown.

use std::future::Future;
use std::sync::Mutex;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Tasks that stop together. Dropping the set signals them to stop.
#[derive(Debug)]
pub(crate) struct Tasks {
    stop: watch::Sender<bool>,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl Tasks {
    /// An empty set and the stop signal its tasks should watch.
    pub(crate) fn new() -> (Self, watch::Receiver<bool>) {
        let (stop, stop_rx) = watch::channel(false);
        let tasks = Self {
            stop,
            handles: Mutex::new(Vec::new()),
        };
        (tasks, stop_rx)
    }

    /// Spawns `task` on the runtime as one of the set.
    pub(crate) fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(task);
        if let Ok(mut handles) = self.handles.lock() {
            handles.push(handle);
        }
    }

    /// Signals every task to stop and waits until all have ended.
    pub(crate) async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let handles = match self.handles.lock() {
            Ok(mut h) => std::mem::take(&mut *h),
            Err(_) => return,
        };
        for h in handles {
            let _ = h.await;
        }
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
