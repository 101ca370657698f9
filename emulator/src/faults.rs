//! Fault injection and inspection, shared by the in-process [`crate::Emulator`] handle and the
//! HTTP control surface ([`crate::control`]), so both behave identically.

use crate::protocol::{DataFrame, DataType, Payload};
use crate::state::{ConnectionInfo, Kill, OutFrame, Shared};
use bytes::Bytes;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Why an injection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InjectError {
    #[error("invalid data: {0}")]
    InvalidData(String),
    #[error("invalid group name {0:?}")]
    InvalidGroup(String),
    #[error("no connection {0} in hub {1:?}")]
    NoSuchConnection(String, String),
}

impl Shared {
    /// Every connection of the hub named `hub` (case-insensitive), or of all hubs.
    fn conns_of<'a>(&self, hub: Option<&'a str>) -> impl Iterator<Item = std::sync::Arc<crate::state::Conn>> + 'a {
        self.hubs()
            .into_iter()
            .filter(move |h| hub.is_none_or(|n| n.eq_ignore_ascii_case(&h.name)))
            .flat_map(|h| h.all())
    }

    pub fn connection_infos(&self, hub: Option<&str>) -> Vec<ConnectionInfo> {
        let mut out: Vec<ConnectionInfo> = self.conns_of(hub).map(|c| c.info()).collect();
        out.sort_by(|a, b| (&a.hub, &a.connection_id).cmp(&(&b.hub, &b.connection_id)));
        out
    }

    /// Drops the transport without a close frame (`reset`: TCP RST, else FIN). The logical
    /// connection stays recoverable (reliable) as after any network drop.
    pub fn drop_connection(&self, id: &str, reset: bool) -> bool {
        self.find(id).is_some_and(|(_, c)| c.kill(Kill::Drop { reset }))
    }

    pub fn drop_all(&self, hub: Option<&str>, reset: bool) -> usize {
        self.conns_of(hub).filter(|c| c.kill(Kill::Drop { reset })).count()
    }

    /// Sends `disconnected` and closes with `code`. Code 1008 also ends the logical connection;
    /// any other code keeps a reliable connection recoverable.
    pub fn close_connection(&self, id: &str, code: u16, reason: &str) -> bool {
        let Some((hub, c)) = self.find(id) else { return false };
        if code == 1008 {
            let attached = c.lock().transport.is_some();
            self.end_conn(&hub, &c, Some((code, reason)));
            attached
        } else {
            c.close_transport(code, reason)
        }
    }

    pub fn refuse_recoveries(&self, n: u64) {
        self.faults.refuse_recoveries.store(n, Ordering::Release);
    }

    pub fn fail_acks(&self, n: u64) {
        self.faults.fail_acks.store(n, Ordering::Release);
    }

    /// Arms the "ack lost by a drop" fault for one connection, or for whichever connection
    /// performs the next acked operation.
    pub fn drop_before_next_ack(&self, id: Option<&str>) -> bool {
        match id {
            None => {
                self.faults.drop_before_ack_any.store(true, Ordering::Release);
                true
            }
            Some(id) => self.find(id).is_some_and(|(_, c)| {
                c.lock().drop_before_ack = true;
                true
            }),
        }
    }

    pub fn delay_delivery(&self, id: &str, delay: Duration) -> bool {
        self.find(id).is_some_and(|(_, c)| {
            let mut st = c.lock();
            st.delay = delay;
            if !delay.is_zero() {
                let now = std::time::Instant::now();
                let cursor = st.out.cursor;
                for e in st.out.entries.iter_mut().skip(cursor) {
                    e.at.get_or_insert(now);
                }
            }
            drop(st);
            c.wake.notify_one();
            true
        })
    }

    pub fn set_paused(&self, id: &str, paused: bool) -> bool {
        self.find(id).is_some_and(|(_, c)| {
            let mut st = c.lock();
            st.paused = paused;
            c.flowing.store(st.transport.is_some() && !paused && !st.blackholed, Ordering::Relaxed);
            drop(st);
            c.wake.notify_one();
            c.space.notify_waiters();
            true
        })
    }

    pub fn blackhole(&self, id: &str) -> bool {
        self.find(id).is_some_and(|(_, c)| c.kill(Kill::Blackhole))
    }

    /// A `from:"server"` message to one connection or to every connection of the hub.
    /// Returns how many connections it was queued for.
    pub fn inject_server_message(
        &self,
        hub: &str,
        id: Option<&str>,
        data_type: DataType,
        data: &[u8],
    ) -> Result<usize, InjectError> {
        let p = Payload::from_body(data_type, data).map_err(InjectError::InvalidData)?;
        self.inject_server_payload(hub, id, &p)
    }

    pub fn inject_server_payload(&self, hub: &str, id: Option<&str>, p: &Payload) -> Result<usize, InjectError> {
        let df = DataFrame::server(p.data_type, &p.json);
        let h = self.hub(hub);
        let d = match id {
            Some(id) => h
                .send_to_conn(id, &df, &self.config)
                .ok_or_else(|| InjectError::NoSuchConnection(id.into(), hub.into()))?,
            None => h.send_to_all(&df, &[], &self.config),
        };
        self.end_overflowed(&h, &d.overflowed);
        Ok(d.delivered)
    }

    /// A group message as the service would send it for a REST group send (`fromUserId` null).
    pub fn inject_group_message(
        &self,
        hub: &str,
        group: &str,
        data_type: DataType,
        data: &[u8],
    ) -> Result<usize, InjectError> {
        let p = Payload::from_body(data_type, data).map_err(InjectError::InvalidData)?;
        self.inject_group_payload(hub, group, &p)
    }

    pub fn inject_group_payload(&self, hub: &str, group: &str, p: &Payload) -> Result<usize, InjectError> {
        if !crate::protocol::valid_group(group) {
            return Err(InjectError::InvalidGroup(group.into()));
        }
        let df = DataFrame::group(group, None, p.data_type, &p.json);
        let h = self.hub(hub);
        let d = h.send_to_group(group, &df, None, &[], &self.config);
        self.end_overflowed(&h, &d.overflowed);
        Ok(d.delivered)
    }

    /// Queues a text frame written verbatim (it need not be JSON, nor even UTF-8).
    pub fn inject_raw_frame(&self, id: &str, frame: &[u8]) -> bool {
        self.find(id).is_some_and(|(_, c)| {
            if c.lock().ended {
                return false;
            }
            c.push_control(OutFrame::Raw(Bytes::copy_from_slice(frame)));
            true
        })
    }
}
