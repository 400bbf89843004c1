SELECT
  "t6"."_period",
  "t6"."account_id",
  SUM("t6"."mrr") FILTER(WHERE
    (
      "t6"."valid_from" <= "t6"."w_at_end_hi"
    )
    AND (
      (
        "t6"."valid_until" IS NULL
      ) OR (
        "t6"."valid_until" > "t6"."w_at_end_hi"
      )
    )) AS "mrr",
  SUM("t6"."mrr") FILTER(WHERE
    (
      "t6"."valid_from" <= "t6"."w_at_start_hi"
    )
    AND (
      (
        "t6"."valid_until" IS NULL
      )
      OR (
        "t6"."valid_until" > "t6"."w_at_start_hi"
      )
    )) AS "starting_mrr",
  SUM("t6"."seats") FILTER(WHERE
    (
      "t6"."valid_from" <= "t6"."w_at_end_hi"
    )
    AND (
      (
        "t6"."valid_until" IS NULL
      ) OR (
        "t6"."valid_until" > "t6"."w_at_end_hi"
      )
    )) AS "seats"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."account_id",
      "t4"."subscription_id",
      "t4"."valid_from",
      "t4"."valid_until",
      "t4"."mrr",
      "t4"."seats",
      "t4"."plan",
      "t4"."product",
      "t4"."renewal_date",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_at_end_lo",
      "t2"."w_at_end_hi",
      "t2"."w_at_end_lo_t",
      "t2"."w_at_end_hi_t",
      "t2"."w_at_start_lo",
      "t2"."w_at_start_hi",
      "t2"."w_at_start_lo_t",
      "t2"."w_at_start_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."subscription_id",
        "t0"."valid_from",
        "t0"."valid_to" AS "valid_until",
        COALESCE("t0"."mrr", 0.0) AS "mrr",
        "t0"."seats",
        "t0"."plan",
        "t0"."product",
        "t0"."renewal_date"
      FROM "subscriptions" AS "t0"
    ) AS "t4"
    CROSS JOIN "periods" AS "t2"
  ) AS "t5"
  WHERE
    (
      (
        "t5"."valid_from" <= "t5"."w_at_end_hi"
      )
      AND (
        (
          "t5"."valid_until" IS NULL
        ) OR (
          "t5"."valid_until" > "t5"."w_at_end_hi"
        )
      )
    )
    OR (
      (
        "t5"."valid_from" <= "t5"."w_at_start_hi"
      )
      AND (
        (
          "t5"."valid_until" IS NULL
        )
        OR (
          "t5"."valid_until" > "t5"."w_at_start_hi"
        )
      )
    )
    OR (
      (
        "t5"."valid_from" <= "t5"."w_at_end_hi"
      )
      AND (
        (
          "t5"."valid_until" IS NULL
        ) OR (
          "t5"."valid_until" > "t5"."w_at_end_hi"
        )
      )
    )
) AS "t6"
GROUP BY
  1,
  2
