SELECT
  "t32"."_period",
  "t32"."segment",
  SUM("t32"."mrr") FILTER(WHERE
    (
      "t32"."valid_from" <= "t32"."w_at_end_hi"
    )
    AND (
      (
        "t32"."valid_until" IS NULL
      )
      OR (
        "t32"."valid_until" > "t32"."w_at_end_hi"
      )
    )) AS "mrr",
  SUM("t32"."mrr") FILTER(WHERE
    (
      "t32"."valid_from" <= "t32"."w_at_start_hi"
    )
    AND (
      (
        "t32"."valid_until" IS NULL
      )
      OR (
        "t32"."valid_until" > "t32"."w_at_start_hi"
      )
    )) AS "starting_mrr",
  SUM("t32"."seats") FILTER(WHERE
    (
      "t32"."valid_from" <= "t32"."w_at_end_hi"
    )
    AND (
      (
        "t32"."valid_until" IS NULL
      )
      OR (
        "t32"."valid_until" > "t32"."w_at_end_hi"
      )
    )) AS "seats"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t12"."account_id",
      "t12"."subscription_id",
      "t12"."valid_from",
      "t12"."valid_until",
      "t12"."mrr",
      "t12"."seats",
      "t12"."plan",
      "t12"."product",
      "t12"."renewal_date",
      "t30"."account_id" AS "account_id_right",
      "t30"."segment",
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
    ) AS "t12"
    LEFT OUTER JOIN (
      SELECT
        "t28"."account_id",
        "t28"."segment"
      FROM (
        SELECT
          "t14"."account_id",
          "t11"."segment",
          "t11"."industry",
          "t11"."country",
          "t11"."owner",
          "t19"."plan",
          "t19"."product",
          "t27"."cohort"
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
        ) AS "t14"
        LEFT OUTER JOIN (
          SELECT
            "t2"."account_id",
            "t2"."segment",
            "t2"."industry",
            "t2"."country",
            "t2"."owner"
          FROM "accounts" AS "t2"
        ) AS "t11"
          ON "t14"."account_id" = "t11"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t16"."account_id",
            "t16"."plan",
            "t16"."product"
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
                "t0"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t8"
          ) AS "t16"
          WHERE
            "t16"."_rank" = 0
        ) AS "t19"
          ON "t14"."account_id" = "t19"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t25"."account_id",
            DATE_TRUNC('MONTH', MIN("t25"."day")) AS "cohort"
          FROM (
            SELECT
              "t24"."account_id",
              "t24"."day",
              "t24"."kind",
              "t24"."amount"
            FROM (
              SELECT
                "t23"."account_id",
                "t23"."day",
                "t23"."delta",
                "t23"."cur",
                "t23"."prev",
                "t23"."paid",
                "t23"."paid_before",
                CASE
                  WHEN (
                    "t23"."prev" <= 0
                  )
                  AND (
                    "t23"."cur" > 0
                  )
                  AND (
                    "t23"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t23"."prev" <= 0
                  ) AND (
                    "t23"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t23"."prev" > 0
                  ) AND (
                    "t23"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t23"."prev" > 0
                  ) AND (
                    "t23"."cur" > "t23"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t23"."prev" > 0
                  ) AND (
                    "t23"."cur" < "t23"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t23"."prev" <= 0
                  ) AND (
                    "t23"."cur" > 0
                  )
                  THEN "t23"."cur"
                  WHEN (
                    "t23"."prev" > 0
                  ) AND (
                    "t23"."cur" <= 0
                  )
                  THEN "t23"."prev"
                  ELSE ABS("t23"."cur" - "t23"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t22"."account_id",
                  "t22"."day",
                  "t22"."delta",
                  "t22"."cur",
                  "t22"."prev",
                  "t22"."paid",
                  SUM("t22"."paid") OVER (
                    PARTITION BY "t22"."account_id"
                    ORDER BY "t22"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t22"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t21"."account_id",
                    "t21"."day",
                    "t21"."delta",
                    "t21"."cur",
                    COALESCE(
                      LAG("t21"."cur") OVER (
                        PARTITION BY "t21"."account_id"
                        ORDER BY "t21"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t21"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t20"."account_id",
                      "t20"."day",
                      "t20"."delta",
                      CASE WHEN ABS("t20"."cur") < 1e-06 THEN 0.0 ELSE "t20"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t17"."account_id",
                        "t17"."day",
                        "t17"."delta",
                        CAST(ROUND(
                          SUM("t17"."delta") OVER (
                            PARTITION BY "t17"."account_id"
                            ORDER BY "t17"."day" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                          ),
                          6
                        ) AS DOUBLE) AS "cur"
                      FROM (
                        SELECT
                          "t15"."account_id",
                          "t15"."day",
                          SUM("t15"."delta") AS "delta"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t0"."account_id",
                              "t0"."valid_from" AS "day",
                              COALESCE("t0"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t0"
                          ) AS "t9"
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
                          ) AS "t13"
                        ) AS "t15"
                        GROUP BY
                          1,
                          2
                      ) AS "t17"
                    ) AS "t20"
                  ) AS "t21"
                ) AS "t22"
              ) AS "t23"
            ) AS "t24"
            WHERE
              "t24"."kind" IS NOT NULL
              AND "t24"."kind" = 'new'
              AND "t24"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t25"
          GROUP BY
            1
        ) AS "t27"
          ON "t14"."account_id" = "t27"."account_id"
      ) AS "t28"
    ) AS "t30"
      ON "t12"."account_id" = "t30"."account_id"
    CROSS JOIN "periods" AS "t3"
  ) AS "t31"
  WHERE
    (
      (
        "t31"."valid_from" <= "t31"."w_at_end_hi"
      )
      AND (
        (
          "t31"."valid_until" IS NULL
        )
        OR (
          "t31"."valid_until" > "t31"."w_at_end_hi"
        )
      )
    )
    OR (
      (
        "t31"."valid_from" <= "t31"."w_at_start_hi"
      )
      AND (
        (
          "t31"."valid_until" IS NULL
        )
        OR (
          "t31"."valid_until" > "t31"."w_at_start_hi"
        )
      )
    )
    OR (
      (
        "t31"."valid_from" <= "t31"."w_at_end_hi"
      )
      AND (
        (
          "t31"."valid_until" IS NULL
        )
        OR (
          "t31"."valid_until" > "t31"."w_at_end_hi"
        )
      )
    )
) AS "t32"
GROUP BY
  1,
  2
