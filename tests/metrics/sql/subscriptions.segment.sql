SELECT
  "t36"."_period",
  "t36"."segment",
  SUM("t36"."mrr") FILTER(WHERE
    (
      "t36"."valid_from" <= "t36"."w_at_end_hi"
    )
    AND (
      (
        "t36"."valid_until" IS NULL
      )
      OR (
        "t36"."valid_until" > "t36"."w_at_end_hi"
      )
    )) AS "mrr",
  SUM("t36"."mrr") FILTER(WHERE
    (
      "t36"."valid_from" <= "t36"."w_at_start_hi"
    )
    AND (
      (
        "t36"."valid_until" IS NULL
      )
      OR (
        "t36"."valid_until" > "t36"."w_at_start_hi"
      )
    )) AS "starting_mrr",
  SUM("t36"."seats") FILTER(WHERE
    (
      "t36"."valid_from" <= "t36"."w_at_end_hi"
    )
    AND (
      (
        "t36"."valid_until" IS NULL
      )
      OR (
        "t36"."valid_until" > "t36"."w_at_end_hi"
      )
    )) AS "seats"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t13"."account_id",
      "t13"."subscription_id",
      "t13"."valid_from",
      "t13"."valid_until",
      "t13"."mrr",
      "t13"."seats",
      "t13"."plan",
      "t13"."product",
      "t13"."renewal_date",
      "t34"."account_id" AS "account_id_right",
      "t34"."segment",
      "t3"."_period",
      "t3"."_end_t",
      "t3"."w_at_end_lo",
      "t3"."w_at_end_hi",
      "t3"."w_at_end_lo_t",
      "t3"."w_at_end_hi_t",
      "t3"."w_at_start_lo",
      "t3"."w_at_start_hi",
      "t3"."w_at_start_lo_t",
      "t3"."w_at_start_hi_t"
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
    ) AS "t13"
    LEFT OUTER JOIN (
      SELECT
        "t32"."account_id",
        "t32"."segment"
      FROM (
        SELECT
          "t15"."account_id",
          "t12"."segment",
          "t12"."industry",
          "t12"."country",
          "t12"."owner",
          "t22"."plan",
          "t23"."product",
          "t31"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "accounts" AS "t2"
          ) AS "t5"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t0"."account_id"
            FROM "subscriptions" AS "t0"
          ) AS "t4"
        ) AS "t15"
        LEFT OUTER JOIN (
          SELECT
            "t2"."account_id",
            "t2"."segment",
            "t2"."industry",
            "t2"."country",
            "t2"."owner"
          FROM "accounts" AS "t2"
        ) AS "t12"
          ON "t15"."account_id" = "t12"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t17"."account_id",
            "t17"."plan"
          FROM (
            SELECT
              "t8"."account_id",
              "t8"."subscription_id",
              "t8"."valid_from",
              "t8"."valid_until",
              "t8"."mrr",
              "t8"."seats",
              "t8"."plan",
              "t8"."product",
              "t8"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t8"."account_id"
                ORDER BY "t8"."valid_from" DESC, "t8"."mrr" DESC, "t8"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
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
              WHERE
                "t0"."valid_from" <= MAKE_DATE(2026, 6, 30) AND "t0"."plan" IS NOT NULL
            ) AS "t8"
          ) AS "t17"
          WHERE
            "t17"."_rank" = 0
        ) AS "t22"
          ON "t15"."account_id" = "t22"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t18"."account_id",
            "t18"."product"
          FROM (
            SELECT
              "t9"."account_id",
              "t9"."subscription_id",
              "t9"."valid_from",
              "t9"."valid_until",
              "t9"."mrr",
              "t9"."seats",
              "t9"."plan",
              "t9"."product",
              "t9"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t9"."account_id"
                ORDER BY "t9"."valid_from" DESC, "t9"."mrr" DESC, "t9"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
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
              WHERE
                "t0"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t9"
          ) AS "t18"
          WHERE
            "t18"."_rank" = 0
        ) AS "t23"
          ON "t15"."account_id" = "t23"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t29"."account_id",
            DATE_TRUNC('MONTH', MIN("t29"."day")) AS "cohort"
          FROM (
            SELECT
              "t28"."account_id",
              "t28"."day",
              "t28"."kind",
              "t28"."amount"
            FROM (
              SELECT
                "t27"."account_id",
                "t27"."day",
                "t27"."delta",
                "t27"."cur",
                "t27"."prev",
                "t27"."paid",
                "t27"."paid_before",
                CASE
                  WHEN (
                    "t27"."prev" <= 0
                  )
                  AND (
                    "t27"."cur" > 0
                  )
                  AND (
                    "t27"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t27"."prev" <= 0
                  ) AND (
                    "t27"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" > "t27"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" < "t27"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t27"."prev" <= 0
                  ) AND (
                    "t27"."cur" > 0
                  )
                  THEN "t27"."cur"
                  WHEN (
                    "t27"."prev" > 0
                  ) AND (
                    "t27"."cur" <= 0
                  )
                  THEN "t27"."prev"
                  ELSE ABS("t27"."cur" - "t27"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t26"."account_id",
                  "t26"."day",
                  "t26"."delta",
                  "t26"."cur",
                  "t26"."prev",
                  "t26"."paid",
                  SUM("t26"."paid") OVER (
                    PARTITION BY "t26"."account_id"
                    ORDER BY "t26"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t26"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t25"."account_id",
                    "t25"."day",
                    "t25"."delta",
                    "t25"."cur",
                    COALESCE(
                      LAG("t25"."cur") OVER (
                        PARTITION BY "t25"."account_id"
                        ORDER BY "t25"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t25"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t24"."account_id",
                      "t24"."day",
                      "t24"."delta",
                      CASE WHEN ABS("t24"."cur") < 1e-06 THEN 0.0 ELSE "t24"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t19"."account_id",
                        "t19"."day",
                        "t19"."delta",
                        CAST(ROUND(
                          SUM("t19"."delta") OVER (
                            PARTITION BY "t19"."account_id"
                            ORDER BY "t19"."day" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                          ),
                          6
                        ) AS DOUBLE) AS "cur"
                      FROM (
                        SELECT
                          "t16"."account_id",
                          "t16"."day",
                          SUM("t16"."delta") AS "delta"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t0"."account_id",
                              "t0"."valid_from" AS "day",
                              COALESCE("t0"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t0"
                          ) AS "t10"
                          UNION ALL
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t0"."account_id",
                              "t0"."valid_to" AS "day",
                              -(
                                COALESCE("t0"."mrr", 0.0)
                              ) AS "delta"
                            FROM "subscriptions" AS "t0"
                            WHERE
                              "t0"."valid_to" IS NOT NULL
                          ) AS "t14"
                        ) AS "t16"
                        GROUP BY
                          1,
                          2
                      ) AS "t19"
                    ) AS "t24"
                  ) AS "t25"
                ) AS "t26"
              ) AS "t27"
            ) AS "t28"
            WHERE
              "t28"."kind" IS NOT NULL
              AND "t28"."kind" = 'new'
              AND "t28"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t29"
          GROUP BY
            1
        ) AS "t31"
          ON "t15"."account_id" = "t31"."account_id"
      ) AS "t32"
    ) AS "t34"
      ON "t13"."account_id" = "t34"."account_id"
    CROSS JOIN "periods" AS "t3"
  ) AS "t35"
  WHERE
    (
      (
        "t35"."valid_from" <= "t35"."w_at_end_hi"
      )
      AND (
        (
          "t35"."valid_until" IS NULL
        )
        OR (
          "t35"."valid_until" > "t35"."w_at_end_hi"
        )
      )
    )
    OR (
      (
        "t35"."valid_from" <= "t35"."w_at_start_hi"
      )
      AND (
        (
          "t35"."valid_until" IS NULL
        )
        OR (
          "t35"."valid_until" > "t35"."w_at_start_hi"
        )
      )
    )
    OR (
      (
        "t35"."valid_from" <= "t35"."w_at_end_hi"
      )
      AND (
        (
          "t35"."valid_until" IS NULL
        )
        OR (
          "t35"."valid_until" > "t35"."w_at_end_hi"
        )
      )
    )
) AS "t36"
GROUP BY
  1,
  2
