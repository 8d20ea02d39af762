-- Dominance rule: the share of the top_n highest values in the sum of all values (wages of a
-- figure or cell, sorted ascending); a wage figure is withheld when it exceeds
-- meta_disclosure.dominance_share. Null when there is nothing to share.
CREATE OR REPLACE MACRO macros.dominance_share(sorted_values, top_n) AS
    list_sum(list_slice(sorted_values, greatest(1, len(sorted_values) - top_n + 1), -1))
        / nullif(list_sum(sorted_values), 0);
