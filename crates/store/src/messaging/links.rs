//! The secret that signs links in patients' messages (see `app::messaging::links`).

use crate::{Db, Result, Ts};

/// The link secret, made from `fresh` on first use. Two nodes starting at once both try to insert; the
/// second insert does nothing and both read the one row.
pub async fn link_secret(db: &Db, fresh: &[u8], now: Ts) -> Result<Vec<u8>> {
    let mut tx = db.begin().await?;
    crate::on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO link_keys (id, secret, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(fresh).bind(now).execute(c).await.map(|_| ()))?;
    let secret: Vec<u8> = crate::on_tx!(&mut tx, c => sqlx::query_scalar(
        "SELECT secret FROM link_keys WHERE id = 1").fetch_one(c).await)?;
    tx.commit().await?;
    Ok(secret)
}
