-- Eurostat's "low reliability" flag: true when a publisher's flag is a set of Eurostat
-- observation-flag letters (b break in series, c confidential, d definition differs,
-- e estimated, f forecast, n not significant, p provisional, r revised, s Eurostat estimate,
-- u low reliability, z not applicable; one letter each, combined as in `bu`) holding u.
-- Marker meanings of aggregate sources (top_coded, not_available, or any word that happens
-- to hold a u) are not Eurostat flags; null or no flag is false.
CREATE OR REPLACE MACRO macros.eurostat_unreliable(flag) AS
    coalesce(regexp_full_match(flag, '[bcdefnprsuz]+') AND contains(flag, 'u'), false);
