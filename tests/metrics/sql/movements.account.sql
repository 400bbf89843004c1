SELECT
  "t15"."_period",
  "t15"."account_id",
  SUM("t15"."amount") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_period_hi"
    )
    AND (
      "t15"."day" >= "t15"."w_period_lo"
    )
    AND COALESCE("t15"."kind" = 'new', FALSE)) AS "new_mrr",
  SUM("t15"."amount") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_period_hi"
    )
    AND (
      "t15"."day" >= "t15"."w_period_lo"
    )
    AND COALESCE("t15"."kind" = 'expansion', FALSE)) AS "expansion_mrr",
  SUM("t15"."amount") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_period_hi"
    )
    AND (
      "t15"."day" >= "t15"."w_period_lo"
    )
    AND COALESCE("t15"."kind" = 'contraction', FALSE)) AS "contraction_mrr",
  SUM("t15"."amount") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_period_hi"
    )
    AND (
      "t15"."day" >= "t15"."w_period_lo"
    )
    AND COALESCE("t15"."kind" = 'churn', FALSE)) AS "churned_mrr",
  SUM("t15"."amount") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_period_hi"
    )
    AND (
      "t15"."day" >= "t15"."w_period_lo"
    )
    AND COALESCE("t15"."kind" = 'reactivation', FALSE)) AS "reactivation_mrr",
  COUNT("t15"."account_id") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_period_hi"
    )
    AND (
      "t15"."day" >= "t15"."w_period_lo"
    )
    AND COALESCE("t15"."kind" = 'new', FALSE)) AS "new_movements",
  COUNT("t15"."account_id") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_period_hi"
    )
    AND (
      "t15"."day" >= "t15"."w_period_lo"
    )
    AND COALESCE("t15"."kind" = 'churn', FALSE)) AS "churn_movements",
  MIN("t15"."day") FILTER(WHERE
    (
      "t15"."day" <= "t15"."w_to_date_hi"
    )
    AND COALESCE("t15"."kind" = 'new', FALSE)) AS "first_paid_day"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t13"."account_id",
      "t13"."day",
      "t13"."kind",
      "t13"."amount",
      "t2"."_period",
      "t2"."_end_t",
      "t2"."w_period_lo",
      "t2"."w_period_hi",
      "t2"."w_period_lo_t",
      "t2"."w_period_hi_t",
      "t2"."w_to_date_lo",
      "t2"."w_to_date_hi",
      "t2"."w_to_date_lo_t",
      "t2"."w_to_date_hi_t"
    FROM (
      SELECT
        "t11"."account_id",
        "t11"."day",
        "t11"."kind",
        "t11"."amount"
      FROM (
        SELECT
          "t10"."account_id",
          "t10"."day",
          "t10"."delta",
          "t10"."cur",
          "t10"."prev",
          "t10"."paid",
          "t10"."paid_before",
          CASE
            WHEN (
              "t10"."prev" <= 0
            )
            AND (
              "t10"."cur" > 0
            )
            AND (
              "t10"."paid_before" > 0
            )
            THEN 'reactivation'
            WHEN (
              "t10"."prev" <= 0
            ) AND (
              "t10"."cur" > 0
            )
            THEN 'new'
            WHEN (
              "t10"."prev" > 0
            ) AND (
              "t10"."cur" <= 0
            )
            THEN 'churn'
            WHEN (
              "t10"."prev" > 0
            ) AND (
              "t10"."cur" > "t10"."prev"
            )
            THEN 'expansion'
            WHEN (
              "t10"."prev" > 0
            ) AND (
              "t10"."cur" < "t10"."prev"
            )
            THEN 'contraction'
            ELSE CAST(NULL AS TEXT)
          END AS "kind",
          CASE
            WHEN (
              "t10"."prev" <= 0
            ) AND (
              "t10"."cur" > 0
            )
            THEN "t10"."cur"
            WHEN (
              "t10"."prev" > 0
            ) AND (
              "t10"."cur" <= 0
            )
            THEN "t10"."prev"
            ELSE ABS("t10"."cur" - "t10"."prev")
          END AS "amount"
        FROM (
          SELECT
            "t9"."account_id",
            "t9"."day",
            "t9"."delta",
            "t9"."cur",
            "t9"."prev",
            "t9"."paid",
            SUM("t9"."paid") OVER (
              PARTITION BY "t9"."account_id"
              ORDER BY "t9"."day" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) - "t9"."paid" AS "paid_before"
          FROM (
            SELECT
              "t8"."account_id",
              "t8"."day",
              "t8"."delta",
              "t8"."cur",
              COALESCE(
                LAG("t8"."cur") OVER (
                  PARTITION BY "t8"."account_id"
                  ORDER BY "t8"."day" ASC
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ),
                0.0
              ) AS "prev",
              CASE WHEN "t8"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
            FROM (
              SELECT
                "t7"."account_id",
                "t7"."day",
                "t7"."delta",
                CASE WHEN ABS("t7"."cur") < 1e-06 THEN 0.0 ELSE "t7"."cur" END AS "cur"
              FROM (
                SELECT
                  "t6"."account_id",
                  "t6"."day",
                  "t6"."delta",
                  CAST(ROUND(
                    SUM("t6"."delta") OVER (
                      PARTITION BY "t6"."account_id"
                      ORDER BY "t6"."day" ASC
                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                    ),
                    6
                  ) AS DOUBLE) AS "cur"
                FROM (
                  SELECT
                    "t5"."account_id",
                    "t5"."day",
                    SUM("t5"."delta") AS "delta"
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t1"."account_id",
                        "t1"."valid_from" AS "day",
                        COALESCE("t1"."mrr", 0.0) AS "delta"
                      FROM "subscriptions" AS "t1"
                    ) AS "t3"
                    UNION ALL
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t1"."account_id",
                        "t1"."valid_to" AS "day",
                        -(
                          COALESCE("t1"."mrr", 0.0)
                        ) AS "delta"
                      FROM "subscriptions" AS "t1"
                      WHERE
                        "t1"."valid_to" IS NOT NULL
                    ) AS "t4"
                  ) AS "t5"
                  GROUP BY
                    1,
                    2
                ) AS "t6"
              ) AS "t7"
            ) AS "t8"
          ) AS "t9"
        ) AS "t10"
      ) AS "t11"
      WHERE
        "t11"."kind" IS NOT NULL
        AND (
          (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t11"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t11"."kind" = 'new', FALSE)
          )
          OR (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t11"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t11"."kind" = 'expansion', FALSE)
          )
          OR (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t11"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t11"."kind" = 'contraction', FALSE)
          )
          OR (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t11"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t11"."kind" = 'churn', FALSE)
          )
          OR (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t11"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t11"."kind" = 'reactivation', FALSE)
          )
          OR (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t11"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t11"."kind" = 'new', FALSE)
          )
          OR (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t11"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t11"."kind" = 'churn', FALSE)
          )
          OR (
            (
              "t11"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND COALESCE("t11"."kind" = 'new', FALSE)
          )
        )
    ) AS "t13"
    CROSS JOIN "periods" AS "t2"
  ) AS "t14"
  WHERE
    (
      (
        "t14"."day" <= "t14"."w_period_hi"
      )
      AND (
        "t14"."day" >= "t14"."w_period_lo"
      )
    )
    OR (
      (
        "t14"."day" <= "t14"."w_period_hi"
      )
      AND (
        "t14"."day" >= "t14"."w_period_lo"
      )
    )
    OR (
      (
        "t14"."day" <= "t14"."w_period_hi"
      )
      AND (
        "t14"."day" >= "t14"."w_period_lo"
      )
    )
    OR (
      (
        "t14"."day" <= "t14"."w_period_hi"
      )
      AND (
        "t14"."day" >= "t14"."w_period_lo"
      )
    )
    OR (
      (
        "t14"."day" <= "t14"."w_period_hi"
      )
      AND (
        "t14"."day" >= "t14"."w_period_lo"
      )
    )
    OR (
      (
        "t14"."day" <= "t14"."w_period_hi"
      )
      AND (
        "t14"."day" >= "t14"."w_period_lo"
      )
    )
    OR (
      (
        "t14"."day" <= "t14"."w_period_hi"
      )
      AND (
        "t14"."day" >= "t14"."w_period_lo"
      )
    )
    OR (
      "t14"."day" <= "t14"."w_to_date_hi"
    )
) AS "t15"
GROUP BY
  1,
  2
