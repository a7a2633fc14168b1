//! [`OfferAnswer`]: one end's side of the offer/answer exchanges of a
//! session, with the RFC 3264 checks at each step.

use super::error::{OfferAnswerError, OfferAnswerState};
use super::offer_answer::{answer, check_answer, check_modification, offer, Capabilities};
use super::session::Sdp;

/// One end's offer/answer state for a session
/// ([RFC 3264 §4](https://www.rfc-editor.org/rfc/rfc3264#section-4)), sans
/// I/O: the caller carries the descriptions in SIP messages.
///
/// It remembers the last description each side sent (the "previous SDP"
/// of §8) and the offer in flight, and checks every new one: answers
/// against their offer (§6), new descriptions against the previous one from
/// the same side (§8: same origin, version up by one unless nothing
/// changed, no `m=` line removed, dynamic payload types not remapped).
///
/// ```text
///              send_offer / create_offer      receive_answer
///   Stable ---------------------------> LocalOffer --------------> Stable
///   Stable ---------------------------> RemoteOffer -------------> Stable
///              receive_offer             create_answer / send_answer
/// ```
///
/// ```
/// use sipmob_rtp::sdp::{Capabilities, Codec, Connection, MediaCapability, OfferAnswer, Origin};
///
/// let ip = "192.0.2.1".parse().unwrap();
/// let caps = Capabilities::new(Origin::new("alice", 1, 1, ip), Connection::new(ip))
///     .with_media(MediaCapability::new("audio", 49170).with_codec(Codec::pcmu()));
/// let mut alice = OfferAnswer::new();
/// let offer = alice.create_offer(&caps).unwrap();
/// assert_eq!(offer.media[0].port, 49170);
/// ```
#[derive(Clone, Debug, Default)]
pub struct OfferAnswer {
    state: OfferAnswerState,
    local: Option<Sdp<'static>>,
    remote: Option<Sdp<'static>>,
    pending: Option<Sdp<'static>>,
}

impl OfferAnswer {
    /// A session with no description exchanged yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the exchange stands.
    pub fn state(&self) -> OfferAnswerState {
        self.state
    }

    /// The last description this end sent and saw completed, if any.
    pub fn local(&self) -> Option<&Sdp<'static>> {
        self.local.as_ref()
    }

    /// The last description the other end sent and saw completed, if any.
    pub fn remote(&self) -> Option<&Sdp<'static>> {
        self.remote.as_ref()
    }

    /// The offer in flight (ours in `LocalOffer`, theirs in `RemoteOffer`).
    pub fn pending_offer(&self) -> Option<&Sdp<'static>> {
        self.pending.as_ref()
    }

    /// The start of a modified offer: the last local description with its
    /// version incremented ([`Sdp::next_version`]); `None` before the first
    /// exchange.
    pub fn next_offer(&self) -> Option<Sdp<'static>> {
        self.local.as_ref().map(Sdp::next_version)
    }

    /// Gives `sdp` the origin §8 requires after the previous local
    /// description: that origin, with the same version if `sdp` is
    /// otherwise identical to it and the version plus one if not. Before the
    /// first exchange `sdp` is left as it is.
    pub fn stamp(&self, sdp: &mut Sdp<'_>) {
        if let Some(previous) = &self.local {
            sdp.origin = previous.origin.clone();
            if &*sdp != previous {
                sdp.origin.session_version = previous.origin.session_version.saturating_add(1);
            }
        }
    }

    /// Builds an offer from `local` ([`offer`]), stamps its origin
    /// ([`stamp`](Self::stamp)) and sends it ([`send_offer`](Self::send_offer)).
    ///
    /// # Errors
    ///
    /// As [`send_offer`](Self::send_offer).
    pub fn create_offer(&mut self, local: &Capabilities) -> Result<Sdp<'static>, OfferAnswerError> {
        let mut sdp = offer(local);
        self.stamp(&mut sdp);
        self.send_offer(&sdp)?;
        Ok(sdp)
    }

    /// Records an offer this end sends.
    ///
    /// # Errors
    ///
    /// [`OfferAnswerError::WrongState`] unless `Stable`; the errors of
    /// [`check_modification`] against the previous local description.
    pub fn send_offer(&mut self, offer: &Sdp<'_>) -> Result<(), OfferAnswerError> {
        self.expect(OfferAnswerState::Stable, "send an offer")?;
        if let Some(previous) = &self.local {
            check_modification(previous, offer)?;
        }
        self.pending = Some(offer.to_owned_sdp());
        self.state = OfferAnswerState::LocalOffer;
        Ok(())
    }

    /// Records the answer to our offer.
    ///
    /// # Errors
    ///
    /// [`OfferAnswerError::WrongState`] unless `LocalOffer`; the errors of
    /// [`check_answer`] against our offer and of [`check_modification`]
    /// against the other end's previous description. The state is unchanged
    /// on error.
    pub fn receive_answer(&mut self, answer: &Sdp<'_>) -> Result<(), OfferAnswerError> {
        self.expect(OfferAnswerState::LocalOffer, "receive an answer")?;
        if let Some(offer) = &self.pending {
            check_answer(offer, answer)?;
        }
        if let Some(previous) = &self.remote {
            check_modification(previous, answer)?;
        }
        self.local = self.pending.take();
        self.remote = Some(answer.to_owned_sdp());
        self.state = OfferAnswerState::Stable;
        Ok(())
    }

    /// Records an offer from the other end.
    ///
    /// # Errors
    ///
    /// [`OfferAnswerError::WrongState`] unless `Stable`; the errors of
    /// [`check_modification`] against the other end's previous description.
    pub fn receive_offer(&mut self, offer: &Sdp<'_>) -> Result<(), OfferAnswerError> {
        self.expect(OfferAnswerState::Stable, "receive an offer")?;
        if let Some(previous) = &self.remote {
            check_modification(previous, offer)?;
        }
        self.pending = Some(offer.to_owned_sdp());
        self.state = OfferAnswerState::RemoteOffer;
        Ok(())
    }

    /// Answers the received offer from `local` ([`answer`]), stamps the
    /// origin ([`stamp`](Self::stamp)) and completes the exchange.
    ///
    /// # Errors
    ///
    /// [`OfferAnswerError::WrongState`] unless `RemoteOffer`, or an error of
    /// [`answer`].
    pub fn create_answer(
        &mut self,
        local: &Capabilities,
    ) -> Result<Sdp<'static>, OfferAnswerError> {
        self.expect(OfferAnswerState::RemoteOffer, "answer")?;
        let Some(offer) = &self.pending else {
            return Err(self.wrong("answer"));
        };
        let mut sdp = answer(offer, local)?;
        self.stamp(&mut sdp);
        self.remote = self.pending.take();
        self.local = Some(sdp.clone());
        self.state = OfferAnswerState::Stable;
        Ok(sdp)
    }

    /// Records an answer built by the caller and completes the exchange.
    ///
    /// # Errors
    ///
    /// [`OfferAnswerError::WrongState`] unless `RemoteOffer`; the errors of
    /// [`check_answer`] and of [`check_modification`] against the previous
    /// local description.
    pub fn send_answer(&mut self, answer: &Sdp<'_>) -> Result<(), OfferAnswerError> {
        self.expect(OfferAnswerState::RemoteOffer, "send an answer")?;
        if let Some(offer) = &self.pending {
            check_answer(offer, answer)?;
        }
        if let Some(previous) = &self.local {
            check_modification(previous, answer)?;
        }
        self.remote = self.pending.take();
        self.local = Some(answer.to_owned_sdp());
        self.state = OfferAnswerState::Stable;
        Ok(())
    }

    fn expect(
        &self,
        state: OfferAnswerState,
        action: &'static str,
    ) -> Result<(), OfferAnswerError> {
        if self.state == state {
            Ok(())
        } else {
            Err(self.wrong(action))
        }
    }

    fn wrong(&self, action: &'static str) -> OfferAnswerError {
        OfferAnswerError::WrongState {
            state: self.state,
            action,
        }
    }
}
