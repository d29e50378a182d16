"""Partner referrals: a professional raises a need, the competent organisation handles it."""
