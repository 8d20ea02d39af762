-- Coefficient of variation of a share, relative to the smaller of the share and its
-- complement, so 3% and 97% are equally (un)reliable; 0 when the standard error is 0 (a
-- census, or every record alike).
CREATE OR REPLACE MACRO macros.smaller_share_cv(standard_error, share) AS
    CASE
        WHEN standard_error = 0 THEN 0
        ELSE standard_error / least(share, 1 - share)
    END;
