SELECT
  "t6"."_period",
  "t6"."account_id",
  MIN("t6"."created_day") FILTER(WHERE
    "t6"."created_at" < "t6"."w_to_date_hi_t") AS "created_day"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."created_at",
      "t4"."created_day",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."created_at",
        CAST("t0"."created_at" AS DATE) AS "created_day"
      FROM "accounts" AS "t0"
      WHERE
        "t0"."created_at" < MAKE_TIMESTAMP(2026, 7, 1, 0, 0, 0.0)
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    "t5"."created_at" < "t5"."w_to_date_hi_t"
) AS "t6"
GROUP BY
  1,
  2
