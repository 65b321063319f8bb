-- A look-up's charge in one statement, so that it is one round trip and atomic without a
-- transaction of its own (it was BEGIN, the price read, the searches INSERT, the monthly-limit
-- upsert, the debit and COMMIT: six round trips, all but the first while holding the customer's
-- lock). In order: the price in force now (the customer's own, else the platform's, else
-- p_default_price, SEARCH_CREDIT_COST), the searches row (pending, or answered when
-- p_result_count is given), the user's spending this month within their limit, and the debit
-- through credit_debit(). A refusal raises, so nothing of it stays:
--   RTML1  the monthly limit would be passed
--   RTIC1  the balance does not cover the price
-- Runs as the caller (the app role inserts searches and monthly spending itself).
CREATE FUNCTION search_charge(p_customer integer, p_user integer, p_query text, p_type text, p_units integer,
                              p_default_price integer, p_result_count integer)
RETURNS TABLE (search_id bigint, created_at timestamptz, unit_price integer, cost bigint, balance bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_price integer;
  v_cost bigint;
  v_id bigint;
  v_at timestamptz;
  v_balance bigint := NULL;
  v_answered boolean := p_result_count IS NOT NULL;
BEGIN
  SELECT COALESCE(c.credits, p.credits, p_default_price) INTO v_price
    FROM (SELECT p_type AS search_type) t
    LEFT JOIN search_prices p ON p.search_type = t.search_type
    LEFT JOIN customer_search_prices c ON c.customer_id = p_customer AND c.search_type = t.search_type;
  v_cost := v_price::bigint * p_units;

  INSERT INTO searches (customer_id, user_id, query, search_type, status, credits_charged, unit_price, units, result_count, cached, duration_ms)
  VALUES (p_customer, p_user, p_query, p_type, CASE WHEN v_answered THEN 'success' ELSE 'pending' END, v_cost, v_price, p_units,
          p_result_count, v_answered, CASE WHEN v_answered THEN 0 END)
  RETURNING id, searches.created_at INTO v_id, v_at;

  IF v_cost > 0 THEN
    INSERT INTO user_monthly_spend AS s (user_id, month, credits)
    SELECT p_user, date_trunc('month', now() AT TIME ZONE 'UTC')::date, v_cost
     WHERE v_cost <= COALESCE((SELECT monthly_credit_limit FROM users WHERE id = p_user), 9223372036854775807)
    ON CONFLICT (user_id, month) DO UPDATE SET credits = s.credits + EXCLUDED.credits
     WHERE s.credits + EXCLUDED.credits <= COALESCE((SELECT monthly_credit_limit FROM users WHERE id = p_user), 9223372036854775807);
    IF NOT FOUND THEN
      RAISE EXCEPTION 'monthly limit of user % reached', p_user USING ERRCODE = 'RTML1', DETAIL = (
        SELECT json_build_object('limit', u.monthly_credit_limit, 'spent', COALESCE(s.credits, 0), 'cost', v_cost)
          FROM users u LEFT JOIN user_monthly_spend s ON s.user_id = u.id AND s.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
         WHERE u.id = p_user);
    END IF;
    SELECT d.balance_after INTO v_balance
      FROM credit_debit(p_customer, p_user, 'usage', v_cost, left(format('Look-up #%s (%s): %s', v_id, p_type, p_query), 1000), NULL) d;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'balance of customer % does not cover %', p_customer, v_cost USING ERRCODE = 'RTIC1', DETAIL = (
        SELECT json_build_object('balance', cc.balance, 'cost', v_cost) FROM customer_credits cc WHERE cc.customer_id = p_customer);
    END IF;
  END IF;
  RETURN QUERY SELECT v_id, v_at, v_price, v_cost, v_balance;
END $$;
