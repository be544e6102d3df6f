//! fast_hash - an unkeyed hash for pfinet's internal tables
//!
//! [`FastHash`] builds [`FastHasher`]s: multiply and rotate over 8-byte
//! words (FxHash's mix), several times faster than std's SipHash on the
//! short keys pfinet hashes. Unkeyed, so only for tables whose keys do not
//! come from the network: the local-address index of own_inet_addr, and
//! the pattern texts of a compiled namadr list (which a client's host
//! name is looked up in: the client chooses the probe, not the table, and
//! a probe ends at the first empty slot of a table whose load the
//! configuration fixed). Not a Postfix module.

/// The hasher: multiply and rotate.
#[derive(Default)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        // The multiplications carry upward only: bring the well-mixed high
        // bits down to where the table picks its slot.
        self.0.rotate_left(26)
    }
}

/// The [`std::hash::BuildHasher`] of [`FastHasher`]s.
pub type FastHash = std::hash::BuildHasherDefault<FastHasher>;
