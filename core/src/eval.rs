//! Matching-quality metrics with the usual definitions: Recall@10, MRR@10 and binary nDCG@10 with the
//! ideal over min(|relevant|, 10).

/// Quality of one ranked list against its relevant set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quality {
    pub recall: f64,
    pub mrr: f64,
    pub ndcg: f64,
}

/// Recall, reciprocal rank and nDCG at `depth` of `ranked` ids against `relevant` ids.
pub fn quality_at(ranked: &[&str], relevant: &[&str], depth: usize) -> Quality {
    let mut relevant_sorted: Vec<&str> = relevant.to_vec();
    relevant_sorted.sort_unstable();
    relevant_sorted.dedup();
    if relevant_sorted.is_empty() {
        return Quality::default();
    }
    let (mut hits, mut first_rank, mut dcg) = (0usize, 0usize, 0.0f64);
    for (position, id) in ranked.iter().take(depth).enumerate() {
        if relevant_sorted.binary_search(id).is_ok() {
            hits += 1;
            if first_rank == 0 {
                first_rank = position + 1;
            }
            dcg += 1.0 / ((position + 2) as f64).log2();
        }
    }
    let ideal: f64 = (0..relevant_sorted.len().min(depth))
        .map(|position| 1.0 / ((position + 2) as f64).log2())
        .sum();
    Quality {
        recall: hits as f64 / relevant_sorted.len() as f64,
        mrr: if first_rank > 0 {
            1.0 / first_rank as f64
        } else {
            0.0
        },
        ndcg: dcg / ideal,
    }
}

/// The mean of several qualities.
pub fn mean(qualities: &[Quality]) -> Quality {
    if qualities.is_empty() {
        return Quality::default();
    }
    let n = qualities.len() as f64;
    Quality {
        recall: qualities.iter().map(|quality| quality.recall).sum::<f64>() / n,
        mrr: qualities.iter().map(|quality| quality.mrr).sum::<f64>() / n,
        ndcg: qualities.iter().map(|quality| quality.ndcg).sum::<f64>() / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_empty() {
        let perfect = quality_at(&["a", "b"], &["a", "b"], 10);
        assert_eq!(
            perfect,
            Quality {
                recall: 1.0,
                mrr: 1.0,
                ndcg: 1.0
            }
        );
        assert_eq!(quality_at(&["x"], &["a"], 10), Quality::default());
    }

    #[test]
    fn second_place() {
        let quality = quality_at(&["x", "a"], &["a"], 10);
        assert_eq!(quality.mrr, 0.5);
        assert!((quality.ndcg - 1.0 / 3f64.log2()).abs() < 1e-12);
    }

    #[test]
    fn ideal_is_capped_at_depth() {
        let relevant: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
        let relevant: Vec<&str> = relevant.iter().map(String::as_str).collect();
        let quality = quality_at(&relevant[..10], &relevant, 10);
        assert_eq!(quality.ndcg, 1.0);
        assert_eq!(quality.recall, 0.5);
    }
}
